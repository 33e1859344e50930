import { describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { FeatureCache } from './feature-cache';
import { cleanPixels } from './inputs';
import { modelMissing, testClip, tinyTask } from './testing';

describe.skipIf(modelMissing)('feature cache', () => {
  it('encodes each image once: the clean view first, then augmented views named by the image id', async () => {
    const { clip } = await testClip(cpu);
    const task = await tinyTask(['red', 'blue'], 1, 0);
    const [red, blue] = task.train as [(typeof task.train)[0], (typeof task.train)[0]];
    const cache = new FeatureCache(clip, 2);
    let encoded = 0;
    await cache.add([red, blue, red], (done) => {
      encoded = done;
    });
    expect(encoded).toBe(2);
    const [clean] = await clip.model.encodeImages([
      cleanPixels(red.image, clip.processor, clip.model.config.vision.imageSize),
    ]);
    expect(cache.features(red.id, 0)).toEqual(clean);
    expect(cache.features(red.id, 1)).not.toEqual(clean);
    expect(cache.features(red.id, 2)).not.toEqual(cache.features(red.id, 1));
    expect(() => cache.features(red.id, 3)).toThrow(/no view 3/);

    // Another cache, images in another order: the same views.
    const again = new FeatureCache(clip, 2);
    await again.add([blue, red]);
    for (const view of [0, 1, 2]) expect(again.features(red.id, view)).toEqual(cache.features(red.id, view));
  });

  it('encodes an image once when calls overlap, each call waiting for all it asked for', async () => {
    const { clip } = await testClip(cpu);
    const task = await tinyTask(['red', 'blue', 'green'], 1, 0);
    const [red, blue, green] = task.train as [
      (typeof task.train)[0],
      (typeof task.train)[0],
      (typeof task.train)[0],
    ];
    const cache = new FeatureCache(clip);
    const encodeImages = clip.model.encodeImages.bind(clip.model);
    const encoded: number[] = [];
    clip.model.encodeImages = (pixels) => {
      encoded.push(pixels.length);
      return encodeImages(pixels);
    };
    try {
      await Promise.all([cache.add([red, blue]), cache.add([blue, green]), cache.add([red])]);
    } finally {
      clip.model.encodeImages = encodeImages;
    }
    expect(encoded).toEqual([2, 1]);
    for (const image of [red, blue, green]) expect(cache.has(image.id)).toBe(true);
  });
});
