/**
 * One few-shot training run of one method, as CoOp trains (Dassl's loop): K shots per class, SGD or AdamW,
 * a constant warm-up then a per-epoch cosine, cross-entropy on the method's logits; plus MVLPT's checkpoint
 * selection on a held-out 20% of the shots. Runs wherever the engine runs (a Web Worker, Node): it reports
 * through plain objects and never touches files.
 *
 * Deterministic for a seed: the few-shot sample, the learnables' initialisation, each epoch's batch order and
 * augmentations all come from streams named by the seed (seeds.ts), and the kernels are deterministic.
 */
import type { HostTensor } from '../clip/clip-weights';
import type { OptimizerState } from '../engine/optim/optimizer';
import type { Hyperparameters, MethodDefinition, MethodId, PromptMethod } from '../methods/method';
import { runEpochs, type StepEvent, stepsPerEpoch } from './epoch-loop';
import { type EvaluationReport, evaluationReport, methodLogits } from './evaluate';
import type { FeatureCache } from './feature-cache';
import { type FewShotSplit, sampleFewShot } from './few-shot';
import type { FrozenClip } from './frozen-clip';
import type { InputSource } from './inputs';
import { hostLearnables, readLearnables, trainableParameterCount, writeLearnables } from './learnable-values';
import { methodInputs } from './method-inputs';
import { type TaskData, withTaskIds } from './task-data';
import { resolveConfig, type TrainingConfig } from './training-config';
import type { TrainingControl } from './training-control';

// The run's recipe is the trainers' vocabulary: most importers take it from here.
export { resolveConfig, type TrainingConfig };

export interface TrainingRun {
  clip: FrozenClip;
  method: MethodDefinition;
  /** Over the method's paper defaults. */
  hyperparameters?: Hyperparameters;
  task: TaskData;
  shots: number;
  seed: number;
  /** Over the method's training defaults. */
  config?: Partial<TrainingConfig>;
  /** Shared by the runs of a session (seeds, feature methods); the run makes its own when not given. */
  featureCache?: FeatureCache;
  /**
   * Base-to-novel (base-to-novel.ts): `task` holds the base classes, this the novel ones, whose test images
   * the kept weights are scored on as well, with the novel class names.
   */
  novel?: TaskData;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  trainLoss: number;
  /** null without a validation split (1 shot). */
  valAccuracy: number | null;
  learningRate: number;
}

export interface BestEpoch {
  epoch: number;
  valAccuracy: number;
}

export type TrainingEvent =
  | { type: 'features'; done: number; total: number }
  | StepEvent
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      trainLoss: number;
      valAccuracy: number | null;
      best: BestEpoch | null;
    }
  | { type: 'done'; result: TrainingResult };

/** Everything needed to continue a run from an epoch boundary, as plain arrays (it survives the device). */
export interface TrainingCheckpoint {
  method: MethodId;
  seed: number;
  shots: number;
  config: TrainingConfig;
  /** Epochs completed; the run continues with epoch `epochsDone`. */
  epochsDone: number;
  learnables: Record<string, Float32Array>;
  optimizer: OptimizerState;
  best: (BestEpoch & { learnables: Record<string, Float32Array> }) | null;
  history: EpochRecord[];
}

export interface TrainingHooks {
  onEvent?: (event: TrainingEvent) => void;
  control?: TrainingControl;
  /** Hears a checkpoint at each epoch's end: keep the last to resume after a lost GPU device. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void;
  /** Continues from a checkpoint of the same run (method, seed, shots, config), on any backend. */
  resumeFrom?: TrainingCheckpoint;
}

export interface TrainingResult {
  /** 'cancelled': stopped early, keeping its best checkpoint so far (or its weights then, before any). */
  status: 'completed' | 'cancelled';
  method: MethodId;
  hyperparameters: Hyperparameters;
  /** null for methods with nothing to train (zero-shot). */
  config: TrainingConfig | null;
  task: string;
  classes: string[];
  shots: number;
  seed: number;
  trainableParameters: number;
  examples: { train: number; validation: number; test: number };
  shortClasses: FewShotSplit['shortClasses'];
  epochsRun: number;
  /** The epoch whose weights were kept, by validation accuracy; null without validation (the last is kept). */
  best: BestEpoch | null;
  history: EpochRecord[];
  test: EvaluationReport;
  /** Base-to-novel runs only: the novel classes, and the kept weights on their test images. */
  novel?: { classes: string[]; test: EvaluationReport };
  /** The kept weights under their reference names: what a prompt set exports. */
  learnables: Record<string, HostTensor>;
  seconds: number;
}

function checkResumable(checkpoint: TrainingCheckpoint, run: TrainingRun, config: TrainingConfig): void {
  const mismatch = (what: string, saved: unknown, now: unknown) =>
    new Error(
      `cannot resume: the checkpoint's ${what} is ${JSON.stringify(saved)}, this run's ${JSON.stringify(now)}`,
    );
  if (checkpoint.method !== run.method.id) throw mismatch('method', checkpoint.method, run.method.id);
  if (checkpoint.seed !== run.seed) throw mismatch('seed', checkpoint.seed, run.seed);
  if (checkpoint.shots !== run.shots) throw mismatch('shots', checkpoint.shots, run.shots);
  if (JSON.stringify(checkpoint.config) !== JSON.stringify(config))
    throw mismatch('training config', checkpoint.config, config);
}

/** Trains (or, for zero-shot, only evaluates) one run; resolves with its result, cancelled or not. */
export async function trainRun(run: TrainingRun, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  const started = performance.now();
  const { clip, method: definition } = run;
  // Keyed as every run keys its images (taskImageId), so a session's shared feature cache encodes each once.
  const task = withTaskIds(run.task);
  const backend = clip.model.backend;
  const emit = hooks.onEvent ?? (() => {});
  if (task.test.length === 0) throw new Error(`task ${task.name} has no test images`);
  const novel = run.novel && withTaskIds(run.novel);
  if (novel) {
    if (!definition.scoresUnseenClasses)
      throw new Error(
        `${definition.title} cannot score classes it was not trained on: its weights are per class`,
      );
    if (novel.test.length === 0) throw new Error(`task ${task.name} has no test images of its novel classes`);
  }
  const config = definition.training && resolveConfig(definition.training, run.config);
  // Zero-shot needs no training images at all.
  const split: FewShotSplit = config
    ? sampleFewShot(task.train, task.classes, run.shots, run.seed)
    : { train: [], validation: [], shortClasses: [] };

  const { inputs, cache } = methodInputs(clip, definition.input, run.featureCache, config?.augment ?? false);
  await cache?.add(
    [...split.train, ...split.validation, ...task.test, ...(novel?.test ?? [])],
    (done, total) => emit({ type: 'features', done, total }),
  );

  const method = definition.create(
    { model: clip.model, tokenizer: clip.tokenizer, classNames: task.classes, seed: run.seed },
    run.hyperparameters,
  );
  try {
    const training = config
      ? await trainLoop(method, inputs, split, run, config, hooks)
      : { status: 'completed' as const, best: null, history: [] };
    const labels = task.test.map((e) => e.label);
    const test = evaluationReport(await methodLogits(backend, method, inputs, task.test), labels);
    const kept = await readLearnables(method);
    const novelTest = novel && (await novelReport(run, method, inputs, novel, kept));
    const result: TrainingResult = {
      status: training.status,
      method: definition.id,
      hyperparameters: method.hyperparameters,
      config,
      task: task.name,
      classes: [...task.classes],
      shots: run.shots,
      seed: run.seed,
      trainableParameters: trainableParameterCount(method),
      examples: { train: split.train.length, validation: split.validation.length, test: task.test.length },
      shortClasses: split.shortClasses,
      epochsRun: training.history.length,
      best: training.best,
      history: training.history,
      test,
      ...(novel && novelTest && { novel: { classes: [...novel.classes], test: novelTest } }),
      learnables: hostLearnables(method, kept),
      seconds: (performance.now() - started) / 1000,
    };
    emit({ type: 'done', result });
    return result;
  } finally {
    method.dispose();
  }
}

/** The kept weights on the novel classes: the method built for their names, with the learnt tensors. */
async function novelReport(
  run: TrainingRun,
  trained: PromptMethod,
  inputs: InputSource,
  novel: TaskData,
  kept: Record<string, Float32Array>,
): Promise<EvaluationReport> {
  const { clip, method: definition, seed } = run;
  const method = definition.create(
    { model: clip.model, tokenizer: clip.tokenizer, classNames: novel.classes, seed },
    trained.hyperparameters,
  );
  try {
    for (const [name, t] of method.learnables) {
      const learnt = trained.learnables.get(name);
      if (learnt?.shape.join() !== t.shape.join())
        throw new Error(
          `${definition.title} cannot score classes it was not trained on: ${name} is per class`,
        );
    }
    writeLearnables(method, kept);
    const logits = await methodLogits(clip.model.backend, method, inputs, novel.test);
    return evaluationReport(
      logits,
      novel.test.map((e) => e.label),
    );
  } finally {
    method.dispose();
  }
}

async function trainLoop(
  method: PromptMethod,
  inputs: InputSource,
  split: FewShotSplit,
  run: TrainingRun,
  config: TrainingConfig,
  hooks: TrainingHooks,
): Promise<{ status: TrainingResult['status']; best: BestEpoch | null; history: EpochRecord[] }> {
  const backend = run.clip.model.backend;
  const emit = hooks.onEvent ?? (() => {});
  const steps = stepsPerEpoch(split.train.length, config.batchSize);
  let best: TrainingCheckpoint['best'] = null;
  let history: EpochRecord[] = [];
  const resume = hooks.resumeFrom;
  if (resume) {
    checkResumable(resume, run, config);
    writeLearnables(method, resume.learnables);
    best = resume.best;
    history = [...resume.history];
  }
  const status = await runEpochs({
    method,
    inputs,
    backend,
    config,
    seed: run.seed,
    stepsPerEpoch: steps,
    batches: (_, order) => {
      const shuffled = order.shuffle(split.train);
      return Array.from({ length: steps }, (_, step) =>
        shuffled.slice(step * config.batchSize, (step + 1) * config.batchSize),
      );
    },
    onStep: emit,
    control: hooks.control,
    resume: resume && { epochsDone: resume.epochsDone, optimizer: resume.optimizer },
    async endEpoch({ epoch, trainLoss, learningRate, optimizerState }) {
      const valAccuracy =
        split.validation.length > 0
          ? evaluationReport(
              await methodLogits(backend, method, inputs, split.validation),
              split.validation.map((e) => e.label),
            ).top1
          : null;
      // Ties go to the later epoch: a few-shot validation set ties often, and the later weights trained longer.
      if (valAccuracy !== null && (best === null || valAccuracy >= best.valAccuracy)) {
        best = { epoch, valAccuracy, learnables: await readLearnables(method) };
      }
      history.push({ epoch, trainLoss, valAccuracy, learningRate });
      const bestSoFar = best && { epoch: best.epoch, valAccuracy: best.valAccuracy };
      emit({ type: 'epoch', epoch, epochs: config.epochs, trainLoss, valAccuracy, best: bestSoFar });
      if (hooks.onCheckpoint) {
        hooks.onCheckpoint({
          method: method.id,
          seed: run.seed,
          shots: run.shots,
          config,
          epochsDone: epoch + 1,
          learnables: await readLearnables(method),
          optimizer: await optimizerState(),
          best,
          history: [...history],
        });
      }
    },
  });
  const kept = best as TrainingCheckpoint['best'];
  if (kept) writeLearnables(method, kept.learnables);
  return { status, best: kept && { epoch: kept.epoch, valAccuracy: kept.valAccuracy }, history };
}
