import { beforeAll, describe, expect, it } from 'vitest';
import { meanAndStd } from '../common/statistics';
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import { cpu, testGpuBackend } from '../engine/testing/backends';
import type { MethodId } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import { TaskUnion } from '../multitask/task-union';
import { trainSurvivingDeviceLoss } from '../testing/device-loss';
import { FeatureCache } from './feature-cache';
import type { FrozenClip } from './frozen-clip';
import type { TaskData } from './task-data';
import { modelMissing, testClip, tinyTask } from './testing';
import { trainSeeds } from './train-seeds';
import {
  type TrainingCheckpoint,
  type TrainingHooks,
  type TrainingResult,
  type TrainingRun,
  trainRun,
} from './trainer';
import { TrainingControl } from './training-control';

/** Everything but the wall-clock time. */
const outcome = ({ seconds: _, ...rest }: TrainingResult) => rest;

describe.skipIf(modelMissing)('trainer on the CPU backend', () => {
  let clip: FrozenClip;
  let task: TaskData;
  let cache: FeatureCache;

  beforeAll(async () => {
    ({ clip } = await testClip(cpu));
    task = await tinyTask(['red', 'green', 'blue'], 6, 4);
    cache = new FeatureCache(clip);
  });

  /** 5 shots: 4 train + 1 validation per class, 12 images in 3 batches of 4, for 8 epochs. */
  const run = (method: MethodId = 'linear-probe', config: TrainingRun['config'] = {}): TrainingRun => ({
    clip,
    method: methodDefinition(method),
    task,
    shots: 5,
    seed: 1,
    featureCache: cache,
    config: { epochs: 8, batchSize: 4, learningRate: 2, ...config },
  });

  it('learns: the loss falls from ln 3 and test accuracy is above chance', async () => {
    const result = await trainRun(run());
    expect(result.examples).toEqual({ train: 12, validation: 3, test: 12 });
    expect(result.trainableParameters).toBe(3 * clip.model.config.projectionDim + 3);
    const losses = result.history.map((h) => h.trainLoss);
    // Zero-initialised head, warm-up epoch at 1e-5: the first epoch's loss is that of uniform logits.
    expect(losses[0]).toBeCloseTo(Math.log(3), 3);
    expect(losses.at(-1)).toBeLessThan(0.8 * (losses[0] as number));
    expect(result.test.top1).toBeGreaterThan(1 / 3);
    expect(result.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('keys its images as a multitask run does, so a shared cache encodes each image once', async () => {
    await trainRun(run());
    const multitaskIds = new TaskUnion([task]).examples(0, task.test).map((e) => e.id);
    for (const id of multitaskIds) expect(cache.has(id)).toBe(true);
    expect(task.test.some((e) => cache.has(e.id))).toBe(false);
  });

  it('is bit-for-bit the same for the same seed, and differs for another', async () => {
    const first = await trainRun(run());
    const second = await trainRun(run());
    expect(outcome(second)).toEqual(outcome(first));
    const other = await trainRun({ ...run(), seed: 2 });
    expect(other.learnables['head.weight']?.data).not.toEqual(first.learnables['head.weight']?.data);
  });

  it('gives the same result paused and resumed as uninterrupted', async () => {
    const straight = await trainRun(run());
    const control = new TrainingControl();
    let pauses = 0;
    const paused = await trainRun(run(), {
      control,
      onEvent: (event) => {
        if (event.type === 'step' && event.step === 1 && event.epoch % 3 === 0) {
          control.pause();
          pauses++;
          setTimeout(() => control.resume(), 20);
        }
      },
    });
    expect(pauses).toBe(3);
    expect(outcome(paused)).toEqual(outcome(straight));
  });

  it('resumes from an epoch checkpoint (as after a lost device) to the same result', async () => {
    const checkpoints: TrainingCheckpoint[] = [];
    const straight = await trainRun(run(), { onCheckpoint: (c) => checkpoints.push(c) });
    expect(checkpoints.map((c) => c.epochsDone)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Through structured clone, as a checkpoint crosses from a worker or is stored.
    const saved = structuredClone(checkpoints[2] as TrainingCheckpoint);
    const resumed = await trainRun(run(), { resumeFrom: saved });
    expect(outcome(resumed)).toEqual(outcome(straight));
    await expect(trainRun({ ...run(), seed: 2 }, { resumeFrom: saved })).rejects.toThrow(
      /seed is 1, this run's 2/,
    );
  });

  it('continues on a reopened device after the device is lost, to the same result', async () => {
    const straight = await trainRun(run());
    let lost = false;
    const reopened: string[] = [];
    const result = await trainSurvivingDeviceLoss(
      run(),
      async (error) => {
        reopened.push(error.reason);
        return clip;
      },
      {
        onEvent: (event) => {
          if (!lost && event.type === 'step' && event.epoch === 5) {
            lost = true;
            throw new GpuDeviceLostError('unknown', 'simulated');
          }
        },
      },
    );
    expect(reopened).toEqual(['unknown']);
    expect(outcome(result)).toEqual(outcome(straight));
  });

  it('cancels at the next step, keeping the best checkpoint so far', async () => {
    const control = new TrainingControl();
    const checkpoints: TrainingCheckpoint[] = [];
    const hooks: TrainingHooks = {
      control,
      onCheckpoint: (c) => checkpoints.push(c),
      onEvent: (event) => {
        if (event.type === 'epoch' && event.epoch === 3) control.cancel();
      },
    };
    const result = await trainRun(run('linear-probe', { learningRate: 20 }), hooks);
    expect(result.status).toBe('cancelled');
    expect(result.epochsRun).toBe(4);
    const best = (checkpoints.at(-1) as TrainingCheckpoint).best;
    expect(best).not.toBeNull();
    const accuracies = result.history.map((h) => h.valAccuracy as number);
    expect(result.best).toEqual({
      epoch: accuracies.lastIndexOf(Math.max(...accuracies)),
      valAccuracy: Math.max(...accuracies),
    });
    expect(result.best?.epoch).toBe(best?.epoch);
    for (const [name, kept] of Object.entries(result.learnables))
      expect(kept.data).toEqual(best?.learnables[name]);
  });

  it('repeats over seeds and reports mean ± population std of test accuracy', async () => {
    const { mean, std } = meanAndStd([0.5, 0.7, 0.9]);
    expect(mean).toBeCloseTo(0.7, 12);
    expect(std).toBeCloseTo(Math.sqrt(0.08 / 3), 12);
    const { seed: _, ...shared } = run('linear-probe', { epochs: 2 });
    const seeds = await trainSeeds(shared, [1, 2]);
    expect(seeds.runs.map((r) => r.seed)).toEqual([1, 2]);
    expect(seeds.testAccuracy).toEqual(meanAndStd(seeds.runs.map((r) => r.test.top1)));
    expect(seeds.cancelled).toBe(false);
  });

  it('only evaluates zero-shot', async () => {
    const result = await trainRun(run('zero-shot'));
    expect(result.config).toBeNull();
    expect(result.epochsRun).toBe(0);
    expect(result.trainableParameters).toBe(0);
    expect(result.test.counts).toEqual([4, 4, 4]);
  });

  it('trains CoOp deterministically through the text tower', async () => {
    const config = { epochs: 2, learningRate: 0.002 };
    const first = await trainRun(run('coop', config));
    expect(outcome(await trainRun(run('coop', config)))).toEqual(outcome(first));
    const contextTokens = methodDefinition('coop').defaults.n_ctx;
    expect(first.learnables['prompt_learner.ctx']?.shape).toEqual([
      contextTokens,
      clip.model.config.text.hiddenSize,
    ]);
  });

  it('trains a pixel method with seeded augmentation deterministically', async () => {
    const config = { epochs: 1, learningRate: 0.01 };
    const first = await trainRun(run('vpt-shallow', config));
    expect(outcome(await trainRun(run('vpt-shallow', config)))).toEqual(outcome(first));
    const clean = await trainRun(run('vpt-shallow', { ...config, augment: false }));
    expect(clean.history[0]?.trainLoss).not.toBe(first.history[0]?.trainLoss);
  });
});

describe.skipIf(modelMissing)('trainer on WebGPU', () => {
  it('trains the linear probe as the CPU backend does', async () => {
    const task = await tinyTask(['red', 'blue'], 3, 2);
    const results: TrainingResult[] = [];
    for (const backend of [cpu, await testGpuBackend()]) {
      const { clip } = await testClip(backend);
      const config = { epochs: 3, batchSize: 2, learningRate: 2 };
      results.push(
        await trainRun({ clip, method: methodDefinition('linear-probe'), task, shots: 3, seed: 4, config }),
      );
    }
    const [onCpu, onGpu] = results as [TrainingResult, TrainingResult];
    expect(onGpu.test.top1).toBe(onCpu.test.top1);
    for (const [i, h] of onGpu.history.entries()) {
      expect(h.trainLoss).toBeCloseTo(onCpu.history[i]?.trainLoss as number, 4);
    }
    const gpuWeights = onGpu.learnables['head.weight']?.data as Float32Array;
    const cpuWeights = onCpu.learnables['head.weight']?.data as Float32Array;
    for (const [i, w] of gpuWeights.entries()) expect(w).toBeCloseTo(cpuWeights[i] as number, 4);
  });
});
