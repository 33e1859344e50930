import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectModelFiles, MissingModelFileError, MODEL_FILES } from './model-files';
import type { FileProgress } from './sources/fetch-file';
import { fetchHubModel, hubCacheStatus, hubFileUrl } from './sources/hub';
import { type LocalFile, readLocalModelFiles } from './sources/local-files';
import { readModelDir } from './sources/node-dir';

/** A fake model: every Hub-layout file with recognisable contents. */
const CONTENTS: Record<string, Uint8Array> = Object.fromEntries(
  Object.values(MODEL_FILES).map((path) => [path, new TextEncoder().encode(`{"file": "${path}"}`)]),
);
CONTENTS['onnx/vision_model.onnx'] = new Uint8Array(10_000).map((_, i) => i % 251);

function writeModelDir(skip: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'clip-model-'));
  mkdirSync(join(dir, 'onnx'));
  for (const [path, bytes] of Object.entries(CONTENTS))
    if (!skip.includes(path)) writeFileSync(join(dir, path), bytes);
  return dir;
}

function localFile(path: string, bytes: Uint8Array, relative = true): LocalFile {
  return {
    name: path.slice(path.lastIndexOf('/') + 1),
    webkitRelativePath: relative ? `my-clip/${path}` : '',
    arrayBuffer: async () => bytes.slice().buffer,
  };
}

/** The Cache API's part we use, in memory. */
class MemoryCache {
  readonly entries = new Map<string, Uint8Array>();
  async match(url: string) {
    const bytes = this.entries.get(url);
    return bytes && new Response(bytes.slice(), { headers: { 'content-length': String(bytes.length) } });
  }
  async put(url: string, response: Response) {
    this.entries.set(url, new Uint8Array(await response.arrayBuffer()));
  }
  async delete(url: string) {
    return this.entries.delete(url);
  }
}

/** A Hub stand-in: serves CONTENTS in 4 kB chunks, 404 for anything else, and counts requests. */
function fakeHub(repo: string, overrides: Record<string, number> = {}) {
  const requests: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    requests.push(url);
    const path = url.replace(`https://huggingface.co/${repo}/resolve/main/`, '');
    const status = overrides[path];
    const bytes = CONTENTS[path];
    if (status !== undefined) return new Response('', { status });
    if (!bytes) return new Response('Entry not found', { status: 404 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
        controller.close();
      },
    });
    return new Response(body, { headers: { 'content-length': String(bytes.length) } });
  }) as typeof fetch;
  return { fetchImpl, requests };
}

describe('model file sources', () => {
  it('reads a Hub-layout folder, external data included', async () => {
    const dir = writeModelDir();
    writeFileSync(join(dir, 'onnx', 'vision_model.onnx_data'), 'weights');
    writeFileSync(join(dir, 'onnx', 'vision_model_quantized.onnx'), 'other variant');
    const files = await readModelDir(dir);
    expect(files.config).toBe('{"file": "config.json"}');
    expect(files.visionModel).toEqual(CONTENTS['onnx/vision_model.onnx']);
    expect([...files.externalData.keys()]).toEqual(['vision_model.onnx_data']);
  });

  it('names every missing file, and fails on the JSON files before reading any graph', async () => {
    const dir = writeModelDir(['config.json', 'tokenizer.json', 'tokenizer_config.json']);
    const error = await readModelDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingModelFileError);
    expect((error as MissingModelFileError).paths).toEqual(['config.json', 'tokenizer.json']);
    expect((error as Error).message).toMatch(
      new RegExp(`^${dir} has no config.json, tokenizer.json: a CLIP needs`),
    );
    const read: string[] = [];
    await collectModelFiles('x', async (path) => {
      read.push(path);
      return null;
    }).catch(() => undefined);
    expect(read).not.toContain('onnx/text_model.onnx');
    await expect(readModelDir(join(dir, 'nope'))).rejects.toThrow(/is not a folder/);
  });

  it('matches dropped files by path, then by name; tokenizer_config.json is optional', async () => {
    const all = Object.entries(CONTENTS).filter(([path]) => path !== 'tokenizer_config.json');
    const picked = await readLocalModelFiles(all.map(([path, bytes]) => localFile(path, bytes)));
    expect(picked.tokenizerConfig).toBeNull();
    expect(picked.textModel).toEqual(CONTENTS['onnx/text_model.onnx']);
    const loose = await readLocalModelFiles(all.map(([path, bytes]) => localFile(path, bytes, false)));
    expect(loose.tokenizer).toBe('{"file": "tokenizer.json"}');
    const nested = localFile('other/config.json', new TextEncoder().encode('{}'));
    const inFolder = await readLocalModelFiles([nested, ...all.map(([p, b]) => localFile(p, b))]);
    expect(inFolder.config).toBe('{"file": "config.json"}');
    const twoConfigs = [nested, ...all.map(([p, b]) => localFile(p, b, false))];
    await expect(readLocalModelFiles(twoConfigs)).rejects.toThrow(/2 dropped files are named config.json/);
    await expect(readLocalModelFiles([])).rejects.toThrow(/the dropped files has no config.json/);
  });

  it('downloads from the Hub with streamed progress, then serves the cache', async () => {
    const repo = 'Xenova/clip-vit-base-patch32';
    const hub = fakeHub(repo);
    const cache = new MemoryCache() as unknown as Cache;
    const progress: FileProgress[] = [];
    const files = await fetchHubModel(repo, {
      cache,
      fetch: hub.fetchImpl,
      onProgress: (p) => progress.push(p),
    });
    expect(files.visionModel).toEqual(CONTENTS['onnx/vision_model.onnx']);
    expect(hub.requests).toContain(hubFileUrl(repo, 'onnx/vision_model.onnx'));
    const vision = progress.filter((p) => p.file === 'onnx/vision_model.onnx');
    expect(vision.map((p) => p.loaded)).toEqual([0, 4096, 8192, 10_000]);
    expect(vision.every((p) => p.total === 10_000 && !p.cached)).toBe(true);

    const status = await hubCacheStatus(repo, { cache });
    expect(status.every((s) => s.cached)).toBe(true);
    expect(status.find((s) => s.file === 'onnx/vision_model.onnx')?.bytes).toBe(10_000);
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const again: FileProgress[] = [];
    const cached = await fetchHubModel(repo, { cache, fetch: offline, onProgress: (p) => again.push(p) });
    expect(cached.visionModel).toEqual(files.visionModel);
    expect(again.every((p) => p.cached)).toBe(true);
  });

  it('explains Hub failures: missing files, private or unknown repositories, no network', async () => {
    const repo = 'someone/not-a-clip';
    const noConfig = fakeHub(repo, { 'config.json': 404 });
    await expect(fetchHubModel(repo, { cache: null, fetch: noConfig.fetchImpl })).rejects.toThrow(
      /^someone\/not-a-clip has no config.json/,
    );
    expect(noConfig.requests.some((url) => url.endsWith('.onnx'))).toBe(false);
    const gated = fakeHub(repo, { 'config.json': 401 });
    await expect(fetchHubModel(repo, { cache: null, fetch: gated.fetchImpl })).rejects.toThrow(
      /private or gated/,
    );
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(fetchHubModel(repo, { cache: null, fetch: offline })).rejects.toThrow(/offline\?/);
    await expect(fetchHubModel('not a repo id', { cache: null })).rejects.toThrow(/is not a Hub model id/);
  });
});
