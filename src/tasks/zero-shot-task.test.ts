import { describe, expect, it } from 'vitest';
import type { ClipEncoder } from '../clip/clip-encoder';
import type { RgbaImage } from '../clip/preprocess';
import { topProbabilities, zeroShotTask } from './zero-shot-task';

describe('zero-shot on a task', () => {
  it('ranks classes by softmax probability, ties to the lower label', () => {
    const top = topProbabilities(
      { data: Float32Array.from([0, Math.log(3), 0, 1, 1, 2]), rows: 2, cols: 3 },
      2,
    );
    expect(top[0]?.map((c) => c.label)).toEqual([1, 0]);
    expect(top[0]?.[0]?.probability).toBeCloseTo(0.6, 6);
    expect(top[1]?.map((c) => c.label)).toEqual([2, 0]);
  });

  it('classifies each image by its closest class prompt and reports progress', async () => {
    // Two-dimensional "embeddings": class k's prompt and image pixels of value k point the same way.
    const direction = (k: number) => Float32Array.from([Math.cos(k), Math.sin(k)]);
    const encoder: ClipEncoder = {
      backend: 'fake',
      logitScaleLog: Math.log(10),
      encodeTexts: async (texts) => {
        const rows = texts.map((t) => direction(t.includes('one') ? 1 : 0));
        return { data: Float32Array.from(rows.flatMap((r) => [...r])), rows: rows.length, cols: 2 };
      },
      encodeImages: async (images) => ({
        data: Float32Array.from(images.flatMap((image) => [...direction(image.data[0] as number)])),
        rows: images.length,
        cols: 2,
      }),
      release: async () => undefined,
    };
    const pixel = (value: number): RgbaImage => ({
      width: 1,
      height: 1,
      data: Uint8Array.from([value, 0, 0, 255]),
    });
    const images = Array.from({ length: 20 }, (_, i) => ({ path: `${i}.png`, label: i % 2 }));
    const stages: string[] = [];
    const result = await zeroShotTask({
      encoder,
      classes: ['zero', 'one'],
      templates: ['a photo of {}.'],
      images,
      // Image 3 looks like a zero: the one mistake.
      loadImage: async (image) => pixel(image.path === '3.png' ? 0 : image.label),
      onProgress: ({ stage, done, total }) => stages.push(`${stage} ${done}/${total}`),
    });
    expect(result.accuracy.top1).toBe(19 / 20);
    expect(result.accuracy.perClass).toEqual([1, 0.9]);
    expect(result.predictions[3]?.top.map((c) => c.label)).toEqual([0, 1]);
    expect(result.predictions[2]?.image).toEqual({ path: '2.png', label: 0 });
    expect(stages).toEqual(['texts 0/2', 'images 0/20', 'images 16/20', 'images 20/20']);
  });
});
