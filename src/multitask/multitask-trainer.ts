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
import type { OptimizerState } from '../engine/optim/optimizer';
import type { Hyperparameters, MethodDefinition, MethodId, PromptMethod } from '../methods/method';
import { runEpochs, stepsPerEpoch } from '../train/epoch-loop';
import { type EvaluationReport, evaluationReport, methodLogits } from '../train/evaluate';
import type { FeatureCache } from '../train/feature-cache';
import { type FewShotSplit, sampleFewShot } from '../train/few-shot';
import type { FrozenClip } from '../train/frozen-clip';
import type { InputSource } from '../train/inputs';
import {
  hostLearnables,
  readLearnables,
  setLearnables,
  trainableParameterCount,
  writeLearnables,
} from '../train/learnable-values';
import { methodInputs } from '../train/method-inputs';
import type { TaskData } from '../train/task-data';
import type { BestEpoch, TrainingEvent } from '../train/trainer';
import { resolveConfig, type TrainingConfig } from '../train/training-config';
import type { TrainingControl } from '../train/training-control';
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

/** A run's state at an epoch's end, as plain arrays: it survives the GPU device (see TrainingSession.restart). */
export interface MultitaskCheckpoint {
  method: MethodId;
  tasks: string[];
  seed: number;
  shots: number;
  config: TrainingConfig;
  sampling: TaskSampling;
  epochsDone: number;
  learnables: Record<string, Float32Array>;
  optimizer: OptimizerState;
  /** Per task, the weights kept so far; and the group's. */
  best: (Kept | null)[];
  sharedBest: Kept | null;
  history: MultitaskEpochRecord[];
}

export interface MultitaskHooks {
  onEvent?: (event: MultitaskEvent) => void;
  control?: TrainingControl;
  /** Hears a checkpoint at each epoch's end: keep the last to resume after a lost GPU device. */
  onCheckpoint?: (checkpoint: MultitaskCheckpoint) => void;
  /** Continues from a checkpoint of the same run (method, tasks, seed, shots, config, sampling). */
  resumeFrom?: MultitaskCheckpoint;
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

  const { inputs, cache } = methodInputs(clip, definition.input, run.featureCache, config.augment);
  await cache?.add(
    splits.flatMap((s) => [...s.train, ...s.validation, ...s.test]),
    (done, total) => emit({ type: 'features', done, total }),
  );

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
    if (run.initial && !hooks.resumeFrom) setLearnables(method, run.initial.learnables, run.initial.from);
    const training = await trainLoop(method, inputs, union, splits, run, config, sampling, hooks);
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
        learnables: hostLearnables(method, kept),
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
      shared: { best: training.sharedBest, learnables: hostLearnables(method, training.shared) },
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

function checkResumable(
  checkpoint: MultitaskCheckpoint,
  now: Omit<
    MultitaskCheckpoint,
    'epochsDone' | 'learnables' | 'optimizer' | 'best' | 'sharedBest' | 'history'
  >,
): void {
  for (const key of ['method', 'tasks', 'seed', 'shots', 'config', 'sampling'] as const) {
    const [saved, current] = [JSON.stringify(checkpoint[key]), JSON.stringify(now[key])];
    if (saved !== current)
      throw new Error(`cannot resume: the checkpoint's ${key} is ${saved}, this run's ${current}`);
  }
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
  const identity = {
    method: method.id,
    tasks: union.tasks.map((t) => t.name),
    seed: run.seed,
    shots: run.shots,
    config,
    sampling,
  };
  let best: (Kept | null)[] = splits.map(() => null);
  let sharedBest: Kept | null = null;
  let history: MultitaskEpochRecord[] = [];
  const resume = hooks.resumeFrom;
  if (resume) {
    checkResumable(resume, identity);
    writeLearnables(method, resume.learnables);
    best = [...resume.best];
    sharedBest = resume.sharedBest;
    history = [...resume.history];
  }
  const trainSets = splits.map((s) => s.train);
  const steps = stepsPerEpoch(
    trainSets.reduce((n, set) => n + set.length, 0),
    config.batchSize,
  );
  const status = await runEpochs({
    method,
    inputs,
    backend,
    config,
    seed: run.seed,
    stepsPerEpoch: steps,
    batches: (_, order) => epochBatches(trainSets, config.batchSize, sampling, order),
    classMask: (batch) => union.classMask(batch as TaskExample[]),
    onStep: emit,
    control: hooks.control,
    resume: resume && { epochsDone: resume.epochsDone, optimizer: resume.optimizer },
    async endEpoch({ epoch, trainLoss, learningRate, optimizerState }) {
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
      history.push({ epoch, trainLoss, valAccuracy, learningRate });
      emit({
        type: 'epoch',
        epoch,
        epochs: config.epochs,
        trainLoss,
        valAccuracy,
        best: best.map((b) => b && { epoch: b.epoch, valAccuracy: b.valAccuracy }),
      });
      if (hooks.onCheckpoint) {
        hooks.onCheckpoint({
          ...identity,
          epochsDone: epoch + 1,
          learnables: await readLearnables(method),
          optimizer: await optimizerState(),
          best: [...best],
          sharedBest,
          history: [...history],
        });
      }
    },
  });
  const last = await readLearnables(method);
  const summary = (k: Kept | null) => k && { epoch: k.epoch, valAccuracy: k.valAccuracy };
  const shared = sharedBest as Kept | null;
  return {
    status,
    history,
    best: best.map(summary),
    kept: best.map((k) => k?.learnables ?? last),
    sharedBest: summary(shared),
    shared: shared?.learnables ?? last,
  };
}
