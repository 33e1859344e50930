// Shared by the clip tests: fixture paths and the one comparison they all make.
import { readFileSync } from 'node:fs';
import { SafetensorsFile } from '../engine/io/safetensors';
import { l2NormalizeRows } from './zero-shot';

/** The embedded model's folder (Hub layout) and its golden tensors from PyTorch. */
export const TINY_CLIP_DIR = new URL('../../models/tiny-clip/', import.meta.url).pathname;

export function readFixture(relativePath: string): SafetensorsFile {
  return SafetensorsFile.parse(readFileSync(new URL(relativePath, `file://${TINY_CLIP_DIR}`)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Embeddings [rows, cols] with each row scaled to unit length: CLIP only ever uses their direction. */
export function unitRows(data: ArrayLike<number>, cols: number): Float32Array {
  return l2NormalizeRows({ data: Float32Array.from(data), rows: data.length / cols, cols }).data;
}

/**
 * PyTorch vs onnxruntime in float32 differ by ~5e-6 on raw embeddings (fixtures/README.md); 1e-4 on unit
 * embeddings leaves room for other summation orders while a real error (a wrong token, a pixel off) is ~1e-2.
 */
export const EMBEDDING_TOLERANCE = 1e-4;
