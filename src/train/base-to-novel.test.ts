import { beforeAll, describe, expect, it } from 'vitest';
import { harmonicMean } from '../common/statistics';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import type { ModelIdentity } from '../prompts/model-identity';
import { PromptSetPredictor } from '../prompts/predict';
import { promptSetFromResult } from '../prompts/prompt-set';
import { baseClassIndices, splitBaseNovel } from './base-to-novel';
import { FeatureCache } from './feature-cache';
import type { FrozenClip } from './frozen-clip';
import type { TaskData } from './task-data';
import { modelMissing, testClip, tinyTask } from './testing';
import { trainRun } from './trainer';

const image = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
const example = (id: string, label: number) => ({ id, image, label });

describe('the base-to-novel split', () => {
  const task: TaskData = {
    name: 'five',
    classes: ['a', 'b', 'c', 'd', 'e'],
    train: [example('a0', 0), example('c0', 2), example('d0', 3), example('e0', 4)],
    test: [example('a1', 0), example('b1', 1), example('d1', 3), example('e1', 4), example('e2', 4)],
  };

  it("takes CoCoOp's first ⌈n/2⌉ classes as base and relabels both halves from 0", () => {
    const { base, novel } = splitBaseNovel(task);
    expect(base.classes).toEqual(['a', 'b', 'c']);
    expect(base.train.map((e) => [e.id, e.label])).toEqual([
      ['a0', 0],
      ['c0', 2],
    ]);
    expect(base.test.map((e) => [e.id, e.label])).toEqual([
      ['a1', 0],
      ['b1', 1],
    ]);
    expect(novel.classes).toEqual(['d', 'e']);
    // Nothing trains on the novel classes.
    expect(novel.train).toEqual([]);
    expect(novel.test.map((e) => [e.id, e.label])).toEqual([
      ['d1', 0],
      ['e1', 1],
      ['e2', 1],
    ]);
  });

  it('draws a seeded split deterministically, in the task order within each half', () => {
    const draws = [1, 2, 3, 4, 5, 6].map((seed) => baseClassIndices(9, { seed }));
    for (const base of draws) {
      expect(base).toHaveLength(5);
      expect([...base].sort((x, y) => x - y)).toEqual(base);
    }
    expect(baseClassIndices(9, { seed: 4 })).toEqual(draws[3]);
    // Six seeds do not all draw the same five of nine classes, nor all the first half.
    expect(new Set(draws.map((d) => d.join())).size).toBeGreaterThan(1);
    expect(draws.some((d) => d.join() !== '0,1,2,3,4')).toBe(true);
  });

  it('refuses a task of one class', () => {
    expect(() => baseClassIndices(1, 'first-half')).toThrow(/at least 2 classes/);
  });

  it('takes the harmonic mean, 0 when either half is 0', () => {
    expect(harmonicMean(0.8, 0.4)).toBeCloseTo(0.16 / 0.3, 12);
    expect(harmonicMean(0.5, 0.5)).toBe(0.5);
    expect(harmonicMean(0.9, 0)).toBe(0);
  });
});

describe.skipIf(modelMissing)('base-to-novel runs on the embedded model', () => {
  let clip: FrozenClip;
  let identity: ModelIdentity;
  let task: TaskData;
  let cache: FeatureCache;

  beforeAll(async () => {
    ({ clip, identity } = await testClip(cpu));
    task = await tinyTask(['red', 'green', 'blue', 'yellow'], 6, 4);
    cache = new FeatureCache(clip);
  });

  it("scores zero-shot's novel half as zero-shot on a task of the novel classes alone", async () => {
    const { base, novel } = splitBaseNovel(task);
    const definition = methodDefinition('zero-shot');
    const split = await trainRun({
      clip,
      method: definition,
      task: base,
      novel,
      shots: 1,
      seed: 1,
      featureCache: cache,
    });
    const alone = await trainRun({
      clip,
      method: definition,
      task: novel,
      shots: 1,
      seed: 1,
      featureCache: cache,
    });
    expect(split.classes).toEqual(['red', 'green']);
    expect(split.novel).toEqual({ classes: ['blue', 'yellow'], test: alone.test });
    expect(split.novel?.test.confusion).toHaveLength(2);
  });

  it("scores CoOp's learnt context on the novel classes as its exported prompt set does, given their names", async () => {
    const { base, novel } = splitBaseNovel(task);
    const result = await trainRun({
      clip,
      method: methodDefinition('coop'),
      task: base,
      novel,
      shots: 4,
      seed: 2,
      featureCache: cache,
      config: { epochs: 3, batchSize: 4, learningRate: 0.05 },
    });
    const set = promptSetFromResult(result, identity);
    const predictor = PromptSetPredictor.create(
      { ...set, task: { ...set.task, classes: [...novel.classes] } },
      clip,
    );
    try {
      const reference = await predictor.evaluate(novel.test);
      expect(result.novel?.test).toEqual(reference);
    } finally {
      predictor.dispose();
    }
    // A trained context was compared, not its initialisation.
    const initial = methodDefinition('coop').create({
      model: clip.model,
      tokenizer: clip.tokenizer,
      classNames: base.classes,
      seed: 2,
    });
    try {
      const before = await initial.learnables.get('prompt_learner.ctx')?.read();
      expect(before).toBeDefined();
      expect(result.learnables['prompt_learner.ctx']?.data).not.toEqual(before);
    } finally {
      initial.dispose();
    }
  });

  it('refuses the linear probe, whose weights are one row per class', async () => {
    const { base, novel } = splitBaseNovel(task);
    await expect(
      trainRun({ clip, method: methodDefinition('linear-probe'), task: base, novel, shots: 2, seed: 1 }),
    ).rejects.toThrow(/cannot score classes it was not trained on/);
  });
});
