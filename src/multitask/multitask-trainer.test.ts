import { beforeAll, describe, expect, it } from 'vitest';
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import { trainMultitaskSurvivingDeviceLoss } from '../testing/device-loss';
import { evaluationReport, methodLogits } from '../train/evaluate';
import { FeatureCache, featureInputs } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import { setLearnables } from '../train/learnable-values';
import { type TaskData, withTaskIds } from '../train/task-data';
import { modelMissing, testClip } from '../train/testing';
import { TrainingControl } from '../train/training-control';
import {
  type MultitaskCheckpoint,
  type MultitaskResult,
  type MultitaskRun,
  trainMultitask,
} from './multitask-trainer';
import { packTask } from './testing';

/** Everything but the wall-clock time. */
const outcome = ({ seconds: _, ...rest }: MultitaskResult) => rest;

/** The last epoch with the highest value: the trainer's tie rule. */
const lastArgmax = (values: readonly number[]) =>
  values.reduce((best, v, i) => (v >= (values[best] as number) ? i : best), 0);

describe.skipIf(modelMissing)('multitask trainer on the CPU backend', () => {
  let clip: FrozenClip;
  let tasks: TaskData[];
  let cache: FeatureCache;
  let result: MultitaskResult;

  beforeAll(async () => {
    ({ clip } = await testClip(cpu));
    tasks = [
      await packTask('colours', ['red', 'green', 'blue'], 5, 3),
      await packTask('shapes', ['circle', 'square'], 5, 3),
    ];
    cache = new FeatureCache(clip);
    result = await trainMultitask(run());
  });

  /** 5 shots: 4 train + 1 validation per class; 20 training images in 5 batches of 4, for 5 epochs. */
  const run = (overrides: Partial<MultitaskRun> = {}): MultitaskRun => ({
    clip,
    method: methodDefinition('coop'),
    hyperparameters: { n_ctx: 4 },
    tasks,
    shots: 5,
    seed: 1,
    featureCache: cache,
    config: { epochs: 5, batchSize: 4, learningRate: 0.05, warmupEpochs: 0 },
    ...overrides,
  });

  it("keeps each task's best epoch by its own validation, and the group's by the mean", () => {
    expect(result.tasks.map((t) => t.examples)).toEqual([
      { train: 12, validation: 3, test: 9 },
      { train: 8, validation: 2, test: 6 },
    ]);
    expect(result.history.length).toBe(5);
    result.tasks.forEach((task, t) => {
      const accuracies = result.history.map((h) => h.valAccuracy[t] as number);
      expect(task.best?.epoch, task.task).toBe(lastArgmax(accuracies));
      expect(task.best?.valAccuracy).toBe(Math.max(...accuracies));
    });
    const means = result.history.map(
      (h) => ((h.valAccuracy[0] as number) + (h.valAccuracy[1] as number)) / 2,
    );
    expect(result.shared.best?.epoch).toBe(lastArgmax(means));
  });

  it("scores each task on its own classes: the same as a single-task method with the task's weights", async () => {
    for (const [t, task] of tasks.entries()) {
      const method = methodDefinition('coop').create(
        { model: clip.model, tokenizer: clip.tokenizer, classNames: task.classes, seed: 0 },
        { n_ctx: 4 },
      );
      setLearnables(method, result.tasks[t]?.learnables ?? {}, 'the result');
      const test = withTaskIds(task).test;
      const logits = await methodLogits(cpu, method, featureInputs(cache), test);
      method.dispose();
      const report = evaluationReport(
        logits,
        test.map((e) => e.label),
      );
      expect(result.tasks[t]?.test.top1).toBe(report.top1);
      expect(result.tasks[t]?.test.confusion).toEqual(report.confusion);
    }
  });

  it('is the same for the same seed; starts from given learnables', async () => {
    const first = result;
    expect(outcome(await trainMultitask(run()))).toEqual(outcome(first));
    const other = await trainMultitask(run({ sampling: 'proportional', seed: 2 }));
    expect(other.shared.learnables['prompt_learner.ctx']?.data).not.toEqual(
      first.shared.learnables['prompt_learner.ctx']?.data,
    );
    // No training at all (cancelled before the first step): the result holds the initial values.
    const control = new TrainingControl();
    control.cancel();
    const started = await trainMultitask(
      run({ initial: { from: 'the first run', learnables: first.shared.learnables } }),
      { control },
    );
    expect(started.status).toBe('cancelled');
    expect(started.shared.learnables['prompt_learner.ctx']?.data).toEqual(
      first.shared.learnables['prompt_learner.ctx']?.data,
    );
    await expect(trainMultitask(run({ initial: { from: 'a VPT prompt', learnables: {} } }))).rejects.toThrow(
      /a VPT prompt has no tensor prompt_learner.ctx/,
    );
  });

  it('resumes from an epoch checkpoint, and continues after a lost device, to the same result', async () => {
    const checkpoints: MultitaskCheckpoint[] = [];
    const straight = await trainMultitask(run(), { onCheckpoint: (c) => checkpoints.push(c) });
    expect(outcome(straight)).toEqual(outcome(result));
    expect(checkpoints.map((c) => c.epochsDone)).toEqual([1, 2, 3, 4, 5]);
    // Through structured clone, as a checkpoint crosses from a worker or is stored.
    const saved = structuredClone(checkpoints[1] as MultitaskCheckpoint);
    expect(outcome(await trainMultitask(run(), { resumeFrom: saved }))).toEqual(outcome(result));
    await expect(trainMultitask(run({ seed: 2 }), { resumeFrom: saved })).rejects.toThrow(
      /seed is 1, this run's 2/,
    );

    let lost = false;
    const reopened: string[] = [];
    const recovered = await trainMultitaskSurvivingDeviceLoss(
      run(),
      async (error) => {
        reopened.push(error.reason);
        return clip;
      },
      {
        onEvent: (event) => {
          if (!lost && event.type === 'step' && event.epoch === 3) {
            lost = true;
            throw new GpuDeviceLostError('unknown', 'simulated');
          }
        },
      },
    );
    expect(reopened).toEqual(['unknown']);
    expect(outcome(recovered)).toEqual(outcome(result));
  });
});
