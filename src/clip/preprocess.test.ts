import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../engine/io/safetensors';
import { readImageFile } from './decode/node-decode';
import { parseImageProcessorConfig, preprocessImage, preprocessImages } from './preprocess';
import { maxAbsDiff, readFixture, TINY_CLIP_DIR } from './testing';

const referenceDir = new URL('./fixtures/preprocess/', import.meta.url);
const tinyConfig = parseImageProcessorConfig(
  JSON.parse(readFileSync(`${TINY_CLIP_DIR}preprocessor_config.json`, 'utf8')),
);

// PIL resizes in uint8 and a one-level difference is 1/255/std ≈ 0.015 after normalisation, so any bound
// below that demands PIL's exact integers; 1e-6 leaves room only for float32 rounding of rescale/normalise.
const TOLERANCE = 1e-6;

describe('CLIP image preprocessing', () => {
  it("matches PIL + transformers' steps on non-square images (up, antialiased down, padded crop)", async () => {
    const cases: { name: string; image: string; config: unknown }[] = JSON.parse(
      readFileSync(new URL('cases.json', referenceDir), 'utf8'),
    );
    const expected = SafetensorsFile.parse(readFileSync(new URL('expected.safetensors', referenceDir)));
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const { name, image, config } of cases) {
      const pixels = preprocessImage(
        await readImageFile(new URL(image, referenceDir).pathname),
        parseImageProcessorConfig(config),
      );
      const reference = expected.read(name);
      expect([3, pixels.height, pixels.width], name).toEqual(reference.shape);
      expect(maxAbsDiff(pixels.data, reference.data), name).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("equals the embedded model fixture's PIL pixel values, 64x64 and resized 80x100", async () => {
    const fixture = readFixture('fixtures/embeddings.safetensors');
    const images = await Promise.all(
      [0, 1, 2, 3].map((i) => readImageFile(`${TINY_CLIP_DIR}fixtures/images/${i}.png`)),
    );
    const batch = preprocessImages(images, tinyConfig);
    expect(batch.shape).toEqual([4, 3, 64, 64]);
    expect(maxAbsDiff(batch.data, fixture.read('pil_pixel_values').data)).toBeLessThanOrEqual(TOLERANCE);
    const resized = preprocessImage(
      await readImageFile(`${TINY_CLIP_DIR}fixtures/images/resize_80x100.png`),
      tinyConfig,
    );
    expect(maxAbsDiff(resized.data, fixture.read('resize_pixel_values').data)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('reads the older CLIPFeatureExtractor form and refuses what it cannot do', () => {
    const xenova = parseImageProcessorConfig({
      crop_size: 224,
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'CLIPFeatureExtractor',
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      size: 224,
    });
    expect(xenova.resize).toEqual({ shortestEdge: 224 });
    expect(xenova.crop).toEqual({ height: 224, width: 224 });
    expect(xenova.rescaleFactor).toBeCloseTo(1 / 255, 12);
    expect(() => parseImageProcessorConfig({ resample: 2, size: 224 })).toThrow(/resample 2/);
    expect(() => parseImageProcessorConfig({ size: 224, crop_size: 224, image_mean: [0.5] })).toThrow(
      /image_mean/,
    );
  });
});
