/**
 * Frozen image embeddings for the methods whose input is 'image-features' (zero-shot, linear probe, CoOp).
 * Their image tower never changes, so each image is encoded once and reused by every epoch, every seed and
 * every such method of the session; recomputing it per augmented view would cost the image tower's forward
 * pass every step, which is all the cache exists to avoid. The first view of an image is its clean one (CLIP's
 * own preprocessing, as evaluation sees it); `augmentedViews` more are CoOp-style random crops and flips,
 * computed once when asked for, from a stream named by the image's id so they never depend on the order of
 * arrival.
 */

import { augmentedPixels } from './augment';
import type { FrozenClip } from './frozen-clip';
import { cleanPixels, type InputSource } from './inputs';
import { hashString, stream } from './seeds';
import type { InputImage } from './task-data';

/** Images encoded per call: bounds the pixel arrays alive at once. */
const ENCODE_CHUNK = 64;

export class FeatureCache {
  private readonly views = new Map<string, Float32Array[]>();
  /** Images being encoded by an earlier call: runs started together (the studio's) encode each once. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly clip: FrozenClip,
    readonly augmentedViews = 0,
  ) {
    if (!Number.isInteger(augmentedViews) || augmentedViews < 0) {
      throw new RangeError(`augmentedViews must be a whole number ≥ 0, got ${augmentedViews}`);
    }
  }

  /** Views per image: the clean one, then the augmented ones. */
  get viewCount(): number {
    return 1 + this.augmentedViews;
  }

  get width(): number {
    return this.clip.model.config.projectionDim;
  }

  has(id: string): boolean {
    return this.views.has(id);
  }

  /**
   * Encodes the examples not cached yet and waits for those another call is encoding; `onProgress` hears
   * this call's images done of its images to do.
   */
  async add(
    examples: readonly InputImage[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    const wanted = [...new Map(examples.map((e) => [e.id, e])).values()];
    const elsewhere = new Set(wanted.flatMap((e) => this.pending.get(e.id) ?? []));
    const missing = wanted.filter((e) => !this.has(e.id) && !this.pending.has(e.id));
    const own = this.encode(missing, onProgress);
    for (const e of missing) this.pending.set(e.id, own);
    try {
      await Promise.all([own, ...elsewhere]);
    } finally {
      for (const e of missing) this.pending.delete(e.id);
    }
  }

  private async encode(
    missing: readonly InputImage[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    const { model, processor } = this.clip;
    const size = model.config.vision.imageSize;
    for (let start = 0; start < missing.length; start += ENCODE_CHUNK) {
      const chunk = missing.slice(start, start + ENCODE_CHUNK);
      const pixels = chunk.flatMap((example) => [
        cleanPixels(example.image, processor, size),
        ...Array.from({ length: this.augmentedViews }, (_, v) =>
          augmentedPixels(example.image, processor, size, stream(hashString(example.id), 'cached-view', v)),
        ),
      ]);
      const rows = await model.encodeImages(pixels);
      chunk.forEach((example, i) => {
        this.views.set(example.id, rows.slice(i * this.viewCount, (i + 1) * this.viewCount));
      });
      onProgress?.(Math.min(start + ENCODE_CHUNK, missing.length), missing.length);
    }
  }

  /** View `view` (0 = clean) of a cached image's embedding. */
  features(id: string, view = 0): Float32Array {
    const row = this.views.get(id)?.[view];
    if (!row) throw new Error(`feature cache: no view ${view} of image ${id}`);
    return row;
  }
}

/** The cache as a method's input: each image's cached features, one of its views when training. */
export function featureInputs(cache: FeatureCache): InputSource {
  const width = cache.width;
  return {
    kind: 'image-features',
    batch(backend, images, views) {
      const data = new Float32Array(images.length * width);
      images.forEach((image, i) => {
        const view = views && cache.viewCount > 1 ? views.int(cache.viewCount) : 0;
        data.set(cache.features(image.id, view), i * width);
      });
      return backend.tensor([images.length, width], data);
    },
  };
}
