import { describe, expect, it } from 'vitest';
import { sampleFewShot, validationShare } from './few-shot';
import type { LabelledExample } from './task-data';
import { solidImage } from './testing';

const classes = ['a', 'b', 'c'];
const image = solidImage(1, 1, [0, 0, 0]);
/** 10 images of a, 10 of b, 3 of c. */
const pool: LabelledExample[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ id: `a/${i}`, image, label: 0 })),
  ...Array.from({ length: 10 }, (_, i) => ({ id: `b/${i}`, image, label: 1 })),
  ...Array.from({ length: 3 }, (_, i) => ({ id: `c/${i}`, image, label: 2 })),
];
const ids = (examples: readonly LabelledExample[]) => examples.map((e) => e.id);

describe('few-shot sampling', () => {
  it('holds out 20% of each class, at least one from 2 shots, none at 1 shot', () => {
    expect([1, 2, 4, 8, 16].map(validationShare)).toEqual([0, 1, 1, 2, 3]);
  });

  it('samples K per class, splits them, and is the same for the same seed', () => {
    const split = sampleFewShot(pool.slice(0, 20), classes.slice(0, 2), 8, 1);
    expect(split.train).toHaveLength(12);
    expect(split.validation).toHaveLength(4);
    for (const label of [0, 1]) {
      expect(split.train.filter((e) => e.label === label)).toHaveLength(6);
      expect(split.validation.filter((e) => e.label === label)).toHaveLength(2);
    }
    const all = [...ids(split.train), ...ids(split.validation)];
    expect(new Set(all).size).toBe(all.length);
    const again = sampleFewShot(pool.slice(0, 20), classes.slice(0, 2), 8, 1);
    expect(ids(again.train)).toEqual(ids(split.train));
    expect(ids(again.validation)).toEqual(ids(split.validation));
    const other = sampleFewShot(pool.slice(0, 20), classes.slice(0, 2), 8, 2);
    expect(ids(other.train)).not.toEqual(ids(split.train));
  });

  it("draws a class's sample from its own stream: other classes do not move it", () => {
    const withC = sampleFewShot(pool, classes, 2, 7);
    const withoutC = sampleFewShot(pool.slice(0, 20), classes.slice(0, 2), 2, 7);
    const ofA = (s: typeof withC) => ids([...s.train, ...s.validation].filter((e) => e.label === 0));
    expect(ofA(withC)).toEqual(ofA(withoutC));
  });

  it('uses all images of a short class and reports it; one shot has no validation', () => {
    const split = sampleFewShot(pool, classes, 5, 3);
    expect(split.shortClasses).toEqual([{ name: 'c', available: 3 }]);
    expect(split.train.filter((e) => e.label === 2)).toHaveLength(2);
    const oneShot = sampleFewShot(pool, classes, 1, 3);
    expect(oneShot.train).toHaveLength(3);
    expect(oneShot.validation).toHaveLength(0);
  });

  it('names a class without images and refuses bad shot counts', () => {
    expect(() => sampleFewShot(pool.slice(0, 10), classes.slice(0, 2), 2, 1)).toThrow(
      'class "b" has no training images',
    );
    expect(() => sampleFewShot(pool, classes, 0, 1)).toThrow(/shots/);
    expect(() => sampleFewShot(pool, classes, 1.5, 1)).toThrow(/shots/);
  });
});
