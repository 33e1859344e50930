/**
 * One few-shot training run of one method over several tasks at once, as MVLPT trains MCoOp, MVPT and MUPT
 * (and SoftCPT its meta network): K shots per class of every task, one classifier over the union of their
 * classes (task-union.ts), batches that mix tasks (mixed-batches.ts), each sample's loss over its own
 * task's classes only. Otherwise it is the single-task trainer's recipe (trainer.ts: optimiser, warm-up and
 * cosine schedule, the same training step), and it runs wherever that runs.
 *
 * Validation, checkpoint choice and test accuracy are per task: each task holds out 20% of its own shots,
 * and its test accuracy is that of the epoch with its best validation accuracy (MVLPT §4.3, "select the
 * best checkpoint based on the validation performance for each task, respectively"). The group as a whole
 * also keeps the epoch with the best mean validation accuracy over its tasks (MVLPT's 'average' evaluation
 * key): one prompt for all the tasks, the one a later stage starts from. Without validation (1 shot) the last
 * epoch is kept, as in the single-task trainer.
 *
 * Deterministic for a seed: each task's shots, the initialisation, each epoch's batches and views come from
 * streams named by the seed.
 */
import type { HostTensor } from '../clip/clip-weights';
import type { Matrix } from '../clip/zero-shot';
import type { Backend } from '../engine/backend';
import { AdamW } from '../engine/optim/adamw';
import type { Optimizer } from '../engine/optim/optimizer';
import { cosineWithConstantWarmup } from '../engine/optim/schedule';
import { Sgd } from '../engine/optim/sgd';
import type { Hyperparameters, MethodDefinition, MethodId, PromptMethod } from '../methods/method';
import { type EvaluationReport, evaluationReport, methodLogits } from '../train/evaluate';
import { FeatureCache } from '../train/feature-cache';
import { type FewShotSplit, sampleFewShot } from '../train/few-shot';
import type { FrozenClip } from '../train/frozen-clip';
import { featureInputs, type InputSource, pixelInputs } from '../train/inputs';
import { stream } from '../train/seeds';
import type { TaskData } from '../train/task-data';
import {
  type BestEpoch,
  readLearnables,
  resolveConfig,
  stepsPerEpoch,
  type TrainingConfig,
  type TrainingEvent,
  trainableParameterCount,
  trainStep,
  writeLearnables,
} from '../train/trainer';
import { TrainingControl } from '../train/training-control';
import { setLearnables } from './learnable-values';
import { epochBatches, type TaskSampling } from './mixed-batches';
import { type TaskExample, TaskUnion } from './task-union';

export interface MultitaskRun {
  clip: FrozenClip;
  method: MethodDefinition;
  /** Over the method's paper defaults. */
  hyperparameters?: Hyperparameters;
  tasks: readonly TaskData[];
  shots: number;
  seed: number;
  /** Over the method's training defaults. */
  config?: Partial<TrainingConfig>;
  /** How batches draw on the tasks (default 'uniform'). */
  sampling?: TaskSampling;
  /** Learnables to start from instead of the method's initialisation (MVLPT stage 2: the source prompt). */
  initial?: { from: string; learnables: Readonly<Record<string, HostTensor>> };
  /** Shared by the runs of a session (feature methods); the run makes its own when not given. */
  featureCache?: FeatureCache;
}

export interface MultitaskEpochRecord {
  epoch: number;
  trainLoss: number;
  /** Per task, in task order; null without a validation split (1 shot). */
  valAccuracy: (number | null)[];
  learningRate: number;
}

export type MultitaskEvent =
  | { type: 'features'; done: number; total: number }
  | Extract<TrainingEvent, { type: 'step' }>
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      trainLoss: number;
      valAccuracy: (number | null)[];
      best: (BestEpoch | null)[];
    }
  | { type: 'done'; result: MultitaskResult };

export interface MultitaskHooks {
  onEvent?: (event: MultitaskEvent) => void;
  control?: TrainingControl;
}

export interface TaskOutcome {
  task: string;
  classes: string[];
  examples: { train: number; validation: number; test: number };
  shortClasses: FewShotSplit['shortClasses'];
  /** The epoch kept for this task by its own validation accuracy; null without validation (the last). */
  best: BestEpoch | null;
  /** On the task's own classes only. */
  test: EvaluationReport;
  /** The weights kept for this task. */
  learnables: Record<string, HostTensor>;
}

export interface MultitaskResult {
  status: 'completed' | 'cancelled';
  method: MethodId;
  hyperparameters: Hyperparameters;
  config: TrainingConfig;
  sampling: TaskSampling;
  shots: number;
  seed: number;
  trainableParameters: number;
  epochsRun: number;
  history: MultitaskEpochRecord[];
  tasks: TaskOutcome[];
  /** The weights kept for the group: best mean validation accuracy over the tasks (the last without). */
  shared: { best: BestEpoch | null; learnables: Record<string, HostTensor> };
  seconds: number;
}

type Snapshot = Record<string, Float32Array>;
interface Kept extends BestEpoch {
  learnables: Snapshot;
}

interface TaskSplit {
  train: TaskExample[];
  validation: TaskExample[];
  test: TaskExample[];
  shortClasses: FewShotSplit['shortClasses'];
}

/** Trains one method on all the run's tasks together; resolves with per-task results, cancelled or not. */
export async function trainMultitask(
  run: MultitaskRun,
  hooks: MultitaskHooks = {},
): Promise<MultitaskResult> {
  const started = performance.now();
  const { clip, method: definition } = run;
  if (!definition.training) throw new Error(`${definition.id} has nothing to train`);
  const config = resolveConfig(definition.training, run.config);
  const sampling = run.sampling ?? 'uniform';
  const emit = hooks.onEvent ?? (() => {});
  const union = new TaskUnion(run.tasks);
  const splits: TaskSplit[] = union.tasks.map((task, t) => {
    if (task.test.length === 0) throw new Error(`task ${task.name} has no test images`);
    const split = sampleFewShot(task.train, task.classes, run.shots, run.seed);
    return {
      train: union.examples(t, split.train),
      validation: union.examples(t, split.validation),
      test: union.examples(t, task.test),
      shortClasses: split.shortClasses,
    };
  });

  let inputs: InputSource;
  if (definition.input === 'image-features') {
    const cache = run.featureCache ?? new FeatureCache(clip);
    await cache.add(
      splits.flatMap((s) => [...s.train, ...s.validation, ...s.test]),
      (done, total) => emit({ type: 'features', done, total }),
    );
    inputs = featureInputs(cache);
  } else {
    inputs = pixelInputs(clip, config.augment);
  }

  const method = definition.create(
    {
      model: clip.model,
      tokenizer: clip.tokenizer,
      classNames: union.classNames,
      seed: run.seed,
      tasks: union.methodTasks,
    },
    run.hyperparameters,
  );
  try {
    if (run.initial) setLearnables(method, run.initial.learnables, run.initial.from);
    const training = await trainLoop(method, inputs, union, splits, run, config, sampling, hooks);
    const host = (snapshot: Snapshot) =>
      Object.fromEntries(
        [...method.learnables].map(([name, t]) => [
          name,
          { shape: [...t.shape], data: snapshot[name] as Float32Array },
        ]),
      );
    const tasks: TaskOutcome[] = [];
    for (const [t, task] of union.tasks.entries()) {
      const split = splits[t] as TaskSplit;
      const kept = training.kept[t] as Snapshot;
      writeLearnables(method, kept);
      const logits = await methodLogits(clip.model.backend, method, inputs, split.test);
      tasks.push({
        task: task.name,
        classes: [...task.classes],
        examples: { train: split.train.length, validation: split.validation.length, test: split.test.length },
        shortClasses: split.shortClasses,
        best: training.best[t] ?? null,
        test: evaluationReport(
          union.taskLogits(logits, t),
          task.test.map((e) => e.label),
        ),
        learnables: host(kept),
      });
    }
    const result: MultitaskResult = {
      status: training.status,
      method: definition.id,
      hyperparameters: method.hyperparameters,
      config,
      sampling,
      shots: run.shots,
      seed: run.seed,
      trainableParameters: trainableParameterCount(method),
      epochsRun: training.history.length,
      history: training.history,
      tasks,
      shared: { best: training.sharedBest, learnables: host(training.shared) },
      seconds: (performance.now() - started) / 1000,
    };
    emit({ type: 'done', result });
    return result;
  } finally {
    method.dispose();
  }
}

/** Each task's validation accuracy on its own classes, from one pass over every task's validation images. */
async function validationAccuracies(
  backend: Backend,
  method: PromptMethod,
  inputs: InputSource,
  union: TaskUnion,
  splits: readonly TaskSplit[],
): Promise<(number | null)[]> {
  const images = splits.flatMap((s) => s.validation);
  if (images.length === 0) return splits.map(() => null);
  const logits = await methodLogits(backend, method, inputs, images);
  let row = 0;
  return splits.map((split, t) => {
    const rows = split.validation.length;
    if (rows === 0) return null;
    const part: Matrix = {
      data: logits.data.subarray(row * logits.cols, (row + rows) * logits.cols),
      rows,
      cols: logits.cols,
    };
    row += rows;
    const start = union.ranges[t]?.start ?? 0;
    return evaluationReport(
      union.taskLogits(part, t),
      split.validation.map((e) => e.label - start),
    ).top1;
  });
}

async function trainLoop(
  method: PromptMethod,
  inputs: InputSource,
  union: TaskUnion,
  splits: readonly TaskSplit[],
  run: MultitaskRun,
  config: TrainingConfig,
  sampling: TaskSampling,
  hooks: MultitaskHooks,
): Promise<{
  status: MultitaskResult['status'];
  history: MultitaskEpochRecord[];
  best: (BestEpoch | null)[];
  kept: Snapshot[];
  sharedBest: BestEpoch | null;
  shared: Snapshot;
}> {
  const backend = run.clip.model.backend;
  const emit = hooks.onEvent ?? (() => {});
  const control = hooks.control ?? new TrainingControl();
  const params = [...method.learnables.values()];
  const optimizer: Optimizer =
    config.optimizer === 'sgd'
      ? new Sgd(params, { momentum: config.momentum, weightDecay: config.weightDecay })
      : new AdamW(params, { weightDecay: config.weightDecay });
  const trainSets = splits.map((s) => s.train);
  const steps = stepsPerEpoch(
    trainSets.reduce((n, set) => n + set.length, 0),
    config.batchSize,
  );
  const schedule = cosineWithConstantWarmup({
    baseLr: config.learningRate,
    totalEpochs: config.epochs,
    warmupEpochs: config.warmupEpochs,
    warmupLr: config.warmupLearningRate,
    stepsPerEpoch: steps,
  });
  const best: (Kept | null)[] = splits.map(() => null);
  let sharedBest: Kept | null = null;
  const history: MultitaskEpochRecord[] = [];
  const totalSteps = config.epochs * steps;
  let stepSeconds: number | null = null;
  let status: MultitaskResult['status'] = 'completed';
  try {
    epochs: for (let epoch = 0; epoch < config.epochs; epoch++) {
      const batches = epochBatches(
        trainSets,
        config.batchSize,
        sampling,
        stream(run.seed, 'batch-order', epoch),
      );
      const views = stream(run.seed, 'views', epoch);
      let lossSum = 0;
      for (const [step, batch] of batches.entries()) {
        if (await control.proceed()) {
          status = 'cancelled';
          break epochs;
        }
        const stepStart = performance.now();
        const lr = schedule(epoch * steps + step);
        const loss = await trainStep(
          method,
          inputs,
          optimizer,
          backend,
          batch,
          views,
          lr,
          union.classMask(batch),
        );
        if (!Number.isFinite(loss)) {
          throw new Error(
            `training diverged: the loss is ${loss} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr})`,
          );
        }
        lossSum += loss;
        const seconds = (performance.now() - stepStart) / 1000;
        stepSeconds = stepSeconds === null ? seconds : 0.8 * stepSeconds + 0.2 * seconds;
        emit({
          type: 'step',
          epoch,
          step,
          stepsPerEpoch: steps,
          loss,
          lr,
          stepsPerSecond: 1 / stepSeconds,
          etaSeconds: (totalSteps - (epoch * steps + step + 1)) * stepSeconds,
        });
      }
      const valAccuracy = await validationAccuracies(backend, method, inputs, union, splits);
      // Ties go to the later epoch, as in the single-task trainer.
      const improved = valAccuracy.map((v, t) => v !== null && v >= (best[t]?.valAccuracy ?? -1));
      const measured = valAccuracy.filter((v): v is number => v !== null);
      const mean = measured.length > 0 ? measured.reduce((s, v) => s + v, 0) / measured.length : null;
      const sharedImproved = mean !== null && mean >= (sharedBest?.valAccuracy ?? -1);
      if (improved.some(Boolean) || sharedImproved) {
        const learnables = await readLearnables(method);
        improved.forEach((better, t) => {
          if (better) best[t] = { epoch, valAccuracy: valAccuracy[t] as number, learnables };
        });
        if (sharedImproved) sharedBest = { epoch, valAccuracy: mean, learnables };
      }
      history.push({ epoch, trainLoss: lossSum / steps, valAccuracy, learningRate: schedule(epoch * steps) });
      emit({
        type: 'epoch',
        epoch,
        epochs: config.epochs,
        trainLoss: lossSum / steps,
        valAccuracy,
        best: best.map((b) => b && { epoch: b.epoch, valAccuracy: b.valAccuracy }),
      });
    }
  } finally {
    optimizer.dispose();
  }
  const last = await readLearnables(method);
  const summary = (k: Kept | null) => k && { epoch: k.epoch, valAccuracy: k.valAccuracy };
  return {
    status,
    history,
    best: best.map(summary),
    kept: best.map((k) => k?.learnables ?? last),
    sharedBest: summary(sharedBest),
    shared: sharedBest?.learnables ?? last,
  };
}
