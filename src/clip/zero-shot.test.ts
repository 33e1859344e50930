import { describe, expect, it } from 'vitest';
import { maxAbsDiff, readFixture } from './testing';
import {
  accuracy,
  classPrompts,
  classTextFeatures,
  fillTemplate,
  type Matrix,
  topK,
  zeroShotLogits,
} from './zero-shot';

const matrix = (rows: number[][]): Matrix => ({
  data: Float32Array.from(rows.flat()),
  rows: rows.length,
  cols: rows[0]?.length ?? 0,
});

describe('zero-shot classification', () => {
  it('fills templates class-major, as the ensemble expects', () => {
    expect(classPrompts(['cat', 'dog'], ['a {}.', 'the {} and the {}'])).toEqual([
      'a cat.',
      'the cat and the cat',
      'a dog.',
      'the dog and the dog',
    ]);
    expect(() => fillTemplate('a photo', 'cat')).toThrow(/has no \{\}/);
  });

  it("averages normalised prompt embeddings per class and renormalises (CLIP's ensemble)", () => {
    const prompts = matrix([
      [3, 4],
      [0, 2],
      [-1, 0],
      [-2, 0],
    ]);
    const features = classTextFeatures(prompts, 2);
    // class 0: mean of (0.6, 0.8) and (0, 1) is (0.3, 0.9), unit length (1, 3)/sqrt(10)
    expect(maxAbsDiff(features.data, [1 / Math.sqrt(10), 3 / Math.sqrt(10), -1, 0])).toBeLessThan(1e-7);
    expect(() => classTextFeatures(prompts, 3)).toThrow(/groups of 3/);

    const logits = zeroShotLogits(
      matrix([
        [2, 0],
        [0, 5],
      ]),
      features,
      Math.log(100),
    );
    expect(maxAbsDiff(logits.data, [100 / Math.sqrt(10), -100, 300 / Math.sqrt(10), 0])).toBeLessThan(1e-4);
    const report = accuracy(logits, [1, 0], 2);
    expect(report).toEqual({ top1: 0.5, topK: { k: 2, accuracy: 1 }, perClass: [1, 0], counts: [1, 1] });
    expect(accuracy(logits, [0, 0], 1).perClass).toEqual([1, null]);
    expect(() => accuracy(logits, [0, 2])).toThrow(/label 2 is not a class index/);
  });

  it('ranks top-k largest first, ties to the lower index', () => {
    expect(topK(matrix([[1, 3, 3, 2]]), 3)).toEqual([[1, 2, 3]]);
  });

  it("reproduces the fixtures' logits from their embeddings (CoOp: raw text features, VPT: unit ones)", () => {
    for (const file of ['fixtures/coop_grad.safetensors', 'fixtures/vpt_deep_grad.safetensors']) {
      const fixture = readFixture(file);
      const asMatrix = (name: string): Matrix => {
        const t = fixture.read(name);
        return { data: Float32Array.from(t.data), rows: t.shape[0] as number, cols: t.shape[1] as number };
      };
      const logits = zeroShotLogits(
        asMatrix('image_embeds'),
        classTextFeatures(asMatrix('text_features'), 1),
        fixture.read('logit_scale').data[0] as number,
      );
      const expected = fixture.read('logits').data;
      expect(maxAbsDiff(logits.data, expected) / Math.max(...expected.map(Math.abs)), file).toBeLessThan(
        1e-5,
      );
    }
  });
});
