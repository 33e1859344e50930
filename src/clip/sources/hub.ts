/**
 * A CLIP from the Hugging Face Hub, in the browser: the Hub-layout files of a repository such as
 * Xenova/clip-vit-base-patch32 (onnx/text_model.onnx 254 MB, onnx/vision_model.onnx 352 MB) or
 * Xenova/clip-vit-base-patch16, downloaded once and then kept in the Cache API so a reload is offline.
 */
import { type ClipModelFiles, collectModelFiles, MODEL_FILES } from '../model-files';
import { fetchFile, type ProgressListener, readBody } from './fetch-file';

export interface HubOptions {
  revision?: string;
  onProgress?: ProgressListener;
  /** Where downloads are kept; defaults to a Cache API cache when there is one (browsers), none in Node. */
  cache?: Cache | null;
  fetch?: typeof fetch;
}

const CACHE_NAME = 'prompt-studio-hub-models';

export function hubFileUrl(repoId: string, path: string, revision = 'main'): string {
  return `https://huggingface.co/${checkRepoId(repoId)}/resolve/${encodeURIComponent(revision)}/${path}`;
}

export async function fetchHubModel(repoId: string, options: HubOptions = {}): Promise<ClipModelFiles> {
  const cache = await openCache(options);
  const read = async (path: string) => {
    const url = hubFileUrl(repoId, path, options.revision);
    const hit = await cache?.match(url);
    if (hit) return readBody(hit, path, true, options.onProgress);
    const bytes = await fetchFile(url, path, options.onProgress, options.fetch);
    if (bytes) {
      const headers = { 'content-length': String(bytes.length) };
      await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    }
    return bytes;
  };
  return collectModelFiles(repoId, read);
}

/** Which of a repository's files are already in the cache, and their sizes. */
export async function hubCacheStatus(
  repoId: string,
  options: Pick<HubOptions, 'revision' | 'cache'> = {},
): Promise<{ file: string; cached: boolean; bytes: number | null }[]> {
  const cache = await openCache(options);
  return Promise.all(
    Object.values(MODEL_FILES).map(async (file) => {
      const hit = await cache?.match(hubFileUrl(repoId, file, options.revision));
      const length = hit?.headers.get('content-length');
      return { file, cached: hit !== undefined, bytes: length ? Number(length) : null };
    }),
  );
}

async function openCache(options: Pick<HubOptions, 'cache'>): Promise<Cache | null> {
  if (options.cache !== undefined) return options.cache;
  return globalThis.caches ? globalThis.caches.open(CACHE_NAME) : null;
}

function checkRepoId(repoId: string): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repoId)) {
    throw new Error(
      `${JSON.stringify(repoId)} is not a Hub model id (owner/name, e.g. Xenova/clip-vit-base-patch32)`,
    );
  }
  return repoId;
}
