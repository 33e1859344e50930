/**
 * Independent random streams from one run seed. Each use (few-shot sampling, each epoch's batch order and
 * augmentations, a cached view of one image) gets its own stream, so changing how many numbers one use
 * draws never shifts another's, and a stream can be recreated from its name alone: a run resumed at epoch
 * e needs no generator state, only (seed, e).
 */
import { Random } from '../engine/random';

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: a stable number for a name (an image id, a purpose). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of stream `purpose` number `index` under `seed`. */
export function deriveSeed(seed: number, purpose: string, index = 0): number {
  return mix(mix(mix(seed >>> 0) ^ hashString(purpose)) ^ (index >>> 0));
}

export function stream(seed: number, purpose: string, index = 0): Random {
  return new Random(deriveSeed(seed, purpose, index));
}
