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

/**
 * The fixture with one row of one reference gradient scaled by `factor`: what the check must catch. Rows as
 * row-error.ts counts them (the last axis).
 */
export function withReferenceRowScaled(
  fixture: MethodFixture,
  name: string,
  row: number,
  factor: number,
): MethodFixture {
  const original = fixture.file;
  const file = Object.create(original) as typeof original;
  file.read = (entry: string) => {
    const tensor = original.read(entry);
    if (entry !== `grad.${name}`) return tensor;
    const width = tensor.shape.length <= 1 ? tensor.data.length : (tensor.shape.at(-1) as number);
    const data = Float64Array.from(tensor.data);
    for (let i = row * width; i < (row + 1) * width; i++) data[i] = (data[i] as number) * factor;
    return { ...tensor, data };
  };
  return { ...fixture, file };
}

/** Which row of a reference gradient is smallest (by its largest entry): where a wrong value hides best. */
export function smallestReferenceRow(fixture: MethodFixture, name: string): number {
  const { shape, data } = fixture.file.read(`grad.${name}`);
  const width = shape.at(-1) as number;
  let smallest = 0;
  let smallestScale = Number.POSITIVE_INFINITY;
  for (let r = 0; r < data.length / width; r++) {
    let scale = 0;
    for (let i = r * width; i < (r + 1) * width; i++) scale = Math.max(scale, Math.abs(data[i] as number));
    if (scale < smallestScale) [smallest, smallestScale] = [r, scale];
  }
  return smallest;
}
