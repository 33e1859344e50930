import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import { modelMissing, testClip } from '../train/testing';
import { parseGroups, separateGroups } from './adaptation-groups';
import { type MvlptCheckpoint, type MvlptResult, type MvlptStudy, runMvlpt, runMvlptSeeds } from './mvlpt';
import { packTask } from './testing';

const CTX = 'prompt_learner.ctx';

describe.skipIf(modelMissing)('MVLPT on the CPU backend', () => {
  let clip: FrozenClip;
  let sources: TaskData[];
  let targets: TaskData[];
  let cache: FeatureCache;

  /** Stage 1 trains 2 epochs; stage 2 runs one epoch at learning rate 0, so it keeps what it started from. */
  const study = (overrides: Partial<MvlptStudy> = {}): MvlptStudy => ({
    clip,
    method: methodDefinition('coop'),
    hyperparameters: { n_ctx: 4 },
    sources,
    targets,
    groups: separateGroups(['colours', 'counting']),
    shots: 3,
    seed: 1,
    config: { epochs: 1, batchSize: 4, learningRate: 0, warmupEpochs: 0 },
    sourceConfig: { epochs: 2, learningRate: 0.05 },
    featureCache: cache,
    ...overrides,
  });

  beforeAll(async () => {
    ({ clip } = await testClip(cpu));
    sources = [
      await packTask('shapes', ['circle', 'square'], 3, 2),
      await packTask('digits', ['digit 1', 'digit 7'], 3, 2),
    ];
    targets = [
      await packTask('colours', ['red', 'green'], 3, 2),
      await packTask('counting', ['one', 'two'], 3, 2),
    ];
    cache = new FeatureCache(clip);
  });

  it('starts every target group from the prompt learnt on the sources together', async () => {
    const result = await runMvlpt(
      study({ groups: parseGroups('colours+counting', ['colours', 'counting']) }),
    );
    const initialisation = result.initialisation;
    expect(initialisation?.tasks.map((t) => t.task)).toEqual(['shapes', 'digits']);
    expect(initialisation?.history.length).toBe(2);
    const source = initialisation?.shared.learnables[CTX]?.data;
    expect(result.adaptation.length).toBe(1);
    for (const outcome of result.adaptation[0]?.tasks ?? [])
      expect(outcome.learnables[CTX]?.data).toEqual(source);
    expect(result.targets.map((t) => [t.task, t.group])).toEqual([
      ['colours', ['colours', 'counting']],
      ['counting', ['colours', 'counting']],
    ]);
  });

  it("without sources, starts from the method's own initialisation; averages seeds per target", async () => {
    // n_ctx 5: a random context (4 would start from the words "a photo of a" whatever the seed).
    const result = await runMvlptSeeds(study({ sources: [], hyperparameters: { n_ctx: 5 } }), [1, 2]);
    expect(result.runs.map((r) => r.initialisation)).toEqual([null, null]);
    const [first, second] = result.runs.map((r) => r.adaptation[0]?.tasks[0]?.learnables[CTX]?.data);
    expect(first).not.toEqual(second);
    expect(result.targets.map((t) => t.task)).toEqual(['colours', 'counting']);
    const colours = result.runs.map((r) => r.targets[0]?.test.top1 as number);
    expect(result.targets[0]?.accuracy.mean).toBeCloseTo(
      (colours[0] as number) / 2 + (colours[1] as number) / 2,
      12,
    );
  });

  it('refuses groups that leave a target unreported or report it twice', async () => {
    await expect(runMvlpt(study({ groups: separateGroups(['colours']) }))).rejects.toThrow(
      /counting is reported by 0 groups/,
    );
    const twice = [...separateGroups(['colours', 'counting']), { tasks: ['counting'], report: ['counting'] }];
    await expect(runMvlpt(study({ groups: twice }))).rejects.toThrow(/reported by 2 groups/);
  });

  it('resumes from any checkpoint, in stage 1 or stage 2, to the same result', async () => {
    const trained = study({ config: { epochs: 2, batchSize: 4, learningRate: 0.05, warmupEpochs: 0 } });
    const checkpoints: MvlptCheckpoint[] = [];
    const straight = await runMvlpt(trained, { onCheckpoint: (c) => checkpoints.push(structuredClone(c)) });
    // Stage 1's two epochs, then each target group's two.
    expect(
      checkpoints.map((c) => [c.initialisation !== null, c.adaptation.length, c.current?.epochsDone]),
    ).toEqual([
      [false, 0, 1],
      [false, 0, 2],
      [true, 0, 1],
      [true, 0, 2],
      [true, 1, 1],
      [true, 1, 2],
    ]);
    const outcome = (r: MvlptResult) => r.targets.map((t) => [t.task, t.test.top1, t.test.confusion, t.best]);
    for (const checkpoint of [checkpoints[0], checkpoints[3], checkpoints[4]]) {
      const resumed = await runMvlpt(trained, { resumeFrom: checkpoint });
      expect(outcome(resumed)).toEqual(outcome(straight));
      expect(resumed.adaptation.map((a) => a.shared.learnables[CTX]?.data)).toEqual(
        straight.adaptation.map((a) => a.shared.learnables[CTX]?.data),
      );
    }
  });
});
