/**
 * How images become a method's input tensor: cached frozen features [B, D] for 'image-features' methods
 * (feature-cache.ts featureInputs), pixel_values [B, 3, S, S] for 'pixels' methods. Evaluation takes the clean view; training draws its views
 * (an augmentation, or one of the cached views) from the epoch's stream.
 */
import { type ImageProcessorConfig, preprocessImage, type RgbaImage } from '../clip/preprocess';
import type { Backend } from '../engine/backend';
import type { Random } from '../engine/random';
import type { Tensor } from '../engine/tensor';
import type { MethodInput } from '../methods/method';
import { augmentedPixels } from './augment';
import type { FrozenClip } from './frozen-clip';
import type { InputImage } from './task-data';

export interface InputSource {
  readonly kind: MethodInput;
  /** `views` null: the clean view of each image; otherwise training views drawn from it, in batch order. */
  batch(backend: Backend, images: readonly InputImage[], views: Random | null): Tensor;
}

/** CLIP's preprocessing of one image, which must come out at the model's input size. */
export function cleanPixels(image: RgbaImage, processor: ImageProcessorConfig, size: number): Float32Array {
  const pixels = preprocessImage(image, processor);
  if (pixels.height !== size || pixels.width !== size) {
    throw new Error(
      `preprocessing makes a ${image.width}x${image.height} image ${pixels.width}x${pixels.height}; ` +
        `the model takes ${size}x${size} (preprocessor_config.json needs a centre crop to that size)`,
    );
  }
  return pixels.data;
}

/** `augment` false trains on the clean view every epoch. */
export function pixelInputs(clip: FrozenClip, augment: boolean): InputSource {
  const size = clip.model.config.vision.imageSize;
  const plane = 3 * size * size;
  return {
    kind: 'pixels',
    batch(backend, images, views) {
      const data = new Float32Array(images.length * plane);
      images.forEach(({ image }, i) => {
        const pixels =
          views && augment
            ? augmentedPixels(image, clip.processor, size, views)
            : cleanPixels(image, clip.processor, size);
        data.set(pixels, i * plane);
      });
      return backend.tensor([images.length, 3, size, size], data);
    },
  };
}
