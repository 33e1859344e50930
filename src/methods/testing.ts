// Shared by the method tests: the embedded model on a backend, and the methods' PyTorch fixtures.
import { readFileSync } from 'node:fs';
import { type ClipModel, loadClipModel } from '../clip/clip-model';
import { readModelDir } from '../clip/sources/node-dir';
import { TINY_CLIP_DIR } from '../clip/testing';
import { ClipTokenizer } from '../clip/tokenizer';
import type { Backend } from '../engine/backend';
import { type MethodFixture, parseMethodFixture } from './check/method-gradients';

const FIXTURES_DIR = new URL('../../fixtures/methods/', import.meta.url).pathname;

export interface TinyClip {
  model: ClipModel;
  tokenizer: ClipTokenizer;
}

const loaded = new Map<Backend, Promise<TinyClip>>();

/** The embedded CLIP on `backend`, loaded once per test file and backend. */
export function tinyClip(backend: Backend): Promise<TinyClip> {
  let clip = loaded.get(backend);
  if (!clip) {
    clip = readModelDir(TINY_CLIP_DIR).then((files) => ({
      model: loadClipModel(files, backend),
      tokenizer: ClipTokenizer.fromJson(files.tokenizer, files.tokenizerConfig ?? undefined),
    }));
    loaded.set(backend, clip);
  }
  return clip;
}

/** fixtures/methods/<name>.safetensors. */
export function methodFixture(name: string): MethodFixture {
  return parseMethodFixture(readFileSync(`${FIXTURES_DIR}${name}.safetensors`), `${name}.safetensors`);
}
