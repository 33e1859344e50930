/**
 * CoOp's training augmentation, seeded: `random_resized_crop` then `random_flip`, then normalisation
 * (configs/trainers/CoOp/vit_b16.yaml: INPUT.TRANSFORMS ["random_resized_crop", "random_flip", "normalize"],
 * INTERPOLATION "bicubic"). Dassl builds the crop as torchvision's RandomResizedCrop with scale
 * INPUT.RRCROP_SCALE, whose default (0.08, 1.0) CoOp keeps, and torchvision's default ratio (3/4, 4/3); the
 * flip is RandomHorizontalFlip (p = 0.5). The crop is taken from the decoded image and resized to the model's
 * input size by the same PIL bicubic and normalisation as CLIP's preprocessing (src/clip/preprocess.ts).
 */

import { type ImageProcessorConfig, preprocessImage, type RgbaImage } from '../clip/preprocess';
import type { Random } from '../engine/random';

/** A rectangle of an image, in pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

export const CROP_SCALE: readonly [number, number] = [0.08, 1];
export const CROP_RATIO: readonly [number, number] = [3 / 4, 4 / 3];

/**
 * torchvision's RandomResizedCrop.get_params: up to ten tries at an area fraction in `scale` and a
 * log-uniform aspect ratio in `ratio` that fits the image; failing that, the largest centred crop whose
 * aspect ratio is within `ratio`.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: Random,
  scale: readonly [number, number] = CROP_SCALE,
  ratio: readonly [number, number] = CROP_RATIO,
): CropBox {
  const area = width * height;
  const [logLow, logHigh] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const imageRatio = width / height;
  let w = width;
  let h = height;
  if (imageRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (imageRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

export function cropRgba(image: RgbaImage, box: CropBox): RgbaImage {
  const { top, left, height, width } = box;
  if (
    top < 0 ||
    left < 0 ||
    top + height > image.height ||
    left + width > image.width ||
    width < 1 ||
    height < 1
  ) {
    throw new Error(
      `crop ${width}x${height}+${left}+${top} is outside the ${image.width}x${image.height} image`,
    );
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 4;
    data.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, data };
}

/** Mirrors CHW pixel values left to right, in place. */
export function flipHorizontally(
  pixels: Float32Array,
  channels: number,
  height: number,
  width: number,
): void {
  for (let row = 0; row < channels * height; row++) pixels.subarray(row * width, (row + 1) * width).reverse();
}

/**
 * One augmented view of `image` as pixel_values [3, size, size]: crop box, bicubic resize and normalisation
 * from `processor`, then the coin for the flip. Draws from `rng` in that order.
 */
export function augmentedPixels(
  image: RgbaImage,
  processor: ImageProcessorConfig,
  size: number,
  rng: Random,
): Float32Array {
  const crop = cropRgba(image, randomResizedCropBox(image.width, image.height, rng));
  const square = { height: size, width: size };
  const { data } = preprocessImage(crop, { ...processor, resize: square, crop: null });
  if (rng.next() < 0.5) flipHorizontally(data, 3, size, size);
  return data;
}
