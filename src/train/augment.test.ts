import { describe, expect, it } from 'vitest';
import { parseImageProcessorConfig, preprocessImage } from '../clip/preprocess';
import { Random } from '../engine/random';
import { augmentedPixels, CROP_RATIO, cropRgba, flipHorizontally, randomResizedCropBox } from './augment';

const processor = parseImageProcessorConfig({
  size: { shortest_edge: 16 },
  crop_size: { height: 16, width: 16 },
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.25, 0.25, 0.25],
});

/** A 23x17 image with a horizontal ramp in red, a vertical one in green. */
function ramp(width = 23, height = 17) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.set([(x * 255) / (width - 1), (y * 255) / (height - 1), 90, 255], (y * width + x) * 4);
  return { width, height, data };
}

describe('random resized crop', () => {
  it('stays inside the image, within the scale and (up to rounding) the aspect range', () => {
    const rng = new Random(5);
    for (let i = 0; i < 2000; i++) {
      const box = randomResizedCropBox(64, 48, rng);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(48);
      expect(box.left + box.width).toBeLessThanOrEqual(64);
      const area = box.width * box.height;
      // Rounding each side to whole pixels moves the area and ratio a little off the drawn values.
      expect(area).toBeGreaterThanOrEqual(0.08 * 64 * 48 * 0.8);
      expect(box.width / box.height).toBeGreaterThan(CROP_RATIO[0] * 0.8);
      expect(box.width / box.height).toBeLessThan(CROP_RATIO[1] * 1.25);
    }
  });

  it("falls back to torchvision's centred crop when no draw fits a very long image", () => {
    const box = randomResizedCropBox(400, 10, new Random(1));
    expect(box).toEqual({
      top: 0,
      left: Math.floor((400 - Math.round(10 * (4 / 3))) / 2),
      height: 10,
      width: 13,
    });
  });

  it('crops the pixels it names', () => {
    const image = ramp();
    const crop = cropRgba(image, { top: 2, left: 5, height: 3, width: 4 });
    expect(crop.width).toBe(4);
    expect(crop.height).toBe(3);
    expect(Array.from(crop.data.subarray(0, 4))).toEqual(
      Array.from(image.data.subarray((2 * 23 + 5) * 4, (2 * 23 + 6) * 4)),
    );
    expect(() => cropRgba(image, { top: 15, left: 0, height: 3, width: 4 })).toThrow(/outside/);
  });
});

describe('augmented views', () => {
  it('are the same for the same stream and differ between streams', () => {
    const image = ramp();
    const a = augmentedPixels(image, processor, 16, new Random(9));
    expect(a).toHaveLength(3 * 16 * 16);
    expect(augmentedPixels(image, processor, 16, new Random(9))).toEqual(a);
    expect(augmentedPixels(image, processor, 16, new Random(10))).not.toEqual(a);
  });

  it('normalise as CLIP preprocessing does, so values stay in the normalised range', () => {
    const rng = new Random(3);
    for (let i = 0; i < 20; i++) {
      for (const v of augmentedPixels(ramp(), processor, 16, rng)) {
        expect(v).toBeGreaterThanOrEqual(-2);
        expect(v).toBeLessThanOrEqual(2);
      }
    }
  });

  it('flip mirrors each row; twice is the identity', () => {
    const pixels = preprocessImage(ramp(), processor).data;
    const flipped = pixels.slice();
    flipHorizontally(flipped, 3, 16, 16);
    expect(flipped[0]).toBe(pixels[15]);
    expect(flipped[16 * 16 + 17]).toBe(pixels[16 * 16 + 30]);
    flipHorizontally(flipped, 3, 16, 16);
    expect(flipped).toEqual(pixels);
  });

  it('sometimes flip: the red ramp runs right to left in about half the views', () => {
    const rng = new Random(11);
    let mirrored = 0;
    for (let i = 0; i < 200; i++) {
      const red = augmentedPixels(ramp(), processor, 16, rng);
      if ((red[0] as number) > (red[15] as number)) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(70);
    expect(mirrored).toBeLessThan(130);
  });
});
