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
import type { Backend } from '../engine/backend';
import type { Random } from '../engine/check/random';
import { softmaxCrossEntropy } from '../engine/ops/cross-entropy';
import { AdamW } from '../engine/optim/adamw';
import type { Optimizer, OptimizerState } from '../engine/optim/optimizer';
import { cosineWithConstantWarmup } from '../engine/optim/schedule';
import { Sgd } from '../engine/optim/sgd';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import type {
  Hyperparameters,
  MethodDefinition,
  MethodId,
  PromptMethod,
  TrainingDefaults,
} from '../methods/method';
import { type EvaluationReport, evaluationReport, methodLogits } from './evaluate';
import { FeatureCache } from './feature-cache';
import { type FewShotSplit, sampleFewShot } from './few-shot';
import type { FrozenClip } from './frozen-clip';
import { featureInputs, type InputSource, pixelInputs } from './inputs';
import { stream } from './seeds';
import type { LabelledExample, TaskData } from './task-data';
import { TrainingControl } from './training-control';

export interface TrainingConfig extends TrainingDefaults {
  /** Pixel methods: CoOp's random resized crop and flip on training images; off, the clean view. */
  augment: boolean;
}

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
  | {
      type: 'step';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      lr: number;
      stepsPerSecond: number;
      etaSeconds: number;
    }
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
  /** The kept weights under their reference names: what a prompt set exports. */
  learnables: Record<string, HostTensor>;
  seconds: number;
}

export function trainableParameterCount(method: PromptMethod): number {
  let count = 0;
  for (const t of method.learnables.values()) count += t.size;
  return count;
}

export function resolveConfig(
  defaults: TrainingDefaults,
  overrides: Partial<TrainingConfig> = {},
): TrainingConfig {
  const config: TrainingConfig = { ...defaults, augment: true };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  const whole = (name: keyof TrainingConfig, min: number) => {
    const v = config[name] as number;
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  whole('epochs', 1);
  whole('batchSize', 1);
  whole('warmupEpochs', 0);
  for (const name of ['learningRate', 'warmupLearningRate', 'weightDecay', 'momentum'] as const) {
    if (!Number.isFinite(config[name]) || config[name] < 0) {
      throw new RangeError(`${name} must be a number ≥ 0, got ${config[name]}`);
    }
  }
  if (config.optimizer !== 'sgd' && config.optimizer !== 'adamw') {
    throw new RangeError(`optimizer must be sgd or adamw, got ${config.optimizer}`);
  }
  return config;
}

export async function readLearnables(method: PromptMethod): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of method.learnables) out[name] = await t.read();
  return out;
}

export function writeLearnables(method: PromptMethod, values: Record<string, Float32Array>): void {
  for (const [name, t] of method.learnables) {
    const data = values[name];
    if (data?.length !== t.size)
      throw new Error(`checkpoint: learnable ${name} is missing or the wrong size`);
    t.backend.write(t, data);
  }
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
  const { clip, task, method: definition } = run;
  const backend = clip.model.backend;
  const emit = hooks.onEvent ?? (() => {});
  if (task.test.length === 0) throw new Error(`task ${task.name} has no test images`);
  const config = definition.training && resolveConfig(definition.training, run.config);
  // Zero-shot needs no training images at all.
  const split: FewShotSplit = config
    ? sampleFewShot(task.train, task.classes, run.shots, run.seed)
    : { train: [], validation: [], shortClasses: [] };

  let inputs: InputSource;
  if (definition.input === 'image-features') {
    const cache = run.featureCache ?? new FeatureCache(clip);
    await cache.add([...split.train, ...split.validation, ...task.test], (done, total) =>
      emit({ type: 'features', done, total }),
    );
    inputs = featureInputs(cache);
  } else {
    inputs = pixelInputs(clip, config?.augment ?? false);
  }

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
      learnables: Object.fromEntries(
        [...method.learnables].map(([name, t]) => [
          name,
          { shape: [...t.shape], data: kept[name] as Float32Array },
        ]),
      ),
      seconds: (performance.now() - started) / 1000,
    };
    emit({ type: 'done', result });
    return result;
  } finally {
    method.dispose();
  }
}

/** The optimizer a training config names, over a method's learnable tensors. */
export function createOptimizer(params: readonly Tensor[], config: TrainingDefaults): Optimizer {
  return config.optimizer === 'sgd'
    ? new Sgd(params, { momentum: config.momentum, weightDecay: config.weightDecay })
    : new AdamW(params, { weightDecay: config.weightDecay });
}

/** Dassl drops the last partial batch when the set holds at least one full batch. */
export function stepsPerEpoch(examples: number, batchSize: number): number {
  return examples >= batchSize ? Math.floor(examples / batchSize) : 1;
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
  const control = hooks.control ?? new TrainingControl();
  const optimizer = createOptimizer([...method.learnables.values()], config);
  const steps = stepsPerEpoch(split.train.length, config.batchSize);
  const schedule = cosineWithConstantWarmup({
    baseLr: config.learningRate,
    totalEpochs: config.epochs,
    warmupEpochs: config.warmupEpochs,
    warmupLr: config.warmupLearningRate,
    stepsPerEpoch: steps,
  });
  let best: TrainingCheckpoint['best'] = null;
  let history: EpochRecord[] = [];
  let firstEpoch = 0;
  const resume = hooks.resumeFrom;
  if (resume) {
    checkResumable(resume, run, config);
    writeLearnables(method, resume.learnables);
    optimizer.loadState(resume.optimizer);
    best = resume.best;
    history = [...resume.history];
    firstEpoch = resume.epochsDone;
  }

  const totalSteps = config.epochs * steps;
  let stepSeconds: number | null = null;
  let status: TrainingResult['status'] = 'completed';
  try {
    epochs: for (let epoch = firstEpoch; epoch < config.epochs; epoch++) {
      const order = stream(run.seed, 'batch-order', epoch).shuffle(split.train);
      const views = stream(run.seed, 'views', epoch);
      let lossSum = 0;
      for (let step = 0; step < steps; step++) {
        if (await control.proceed()) {
          status = 'cancelled';
          break epochs;
        }
        const stepStart = performance.now();
        const batch = order.slice(step * config.batchSize, (step + 1) * config.batchSize);
        const lr = schedule(epoch * steps + step);
        const loss = await trainStep(method, inputs, optimizer, backend, batch, views, lr);
        if (!Number.isFinite(loss)) {
          throw new Error(
            `training diverged: the loss is ${loss} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr})`,
          );
        }
        lossSum += loss;
        // An average over recent steps, so the rate follows the machine rather than the first step's compiles.
        const seconds = (performance.now() - stepStart) / 1000;
        stepSeconds = stepSeconds === null ? seconds : 0.8 * stepSeconds + 0.2 * seconds;
        const left = totalSteps - (epoch * steps + step + 1);
        emit({
          type: 'step',
          epoch,
          step,
          stepsPerEpoch: steps,
          loss,
          lr,
          stepsPerSecond: 1 / stepSeconds,
          etaSeconds: left * stepSeconds,
        });
      }
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
      const record = {
        epoch,
        trainLoss: lossSum / steps,
        valAccuracy,
        learningRate: schedule(epoch * steps),
      };
      history.push(record);
      const bestSoFar = best && { epoch: best.epoch, valAccuracy: best.valAccuracy };
      emit({
        type: 'epoch',
        epoch,
        epochs: config.epochs,
        trainLoss: record.trainLoss,
        valAccuracy,
        best: bestSoFar,
      });
      if (hooks.onCheckpoint) {
        hooks.onCheckpoint({
          method: method.id,
          seed: run.seed,
          shots: run.shots,
          config,
          epochsDone: epoch + 1,
          learnables: await readLearnables(method),
          optimizer: await optimizer.state(),
          best,
          history: [...history],
        });
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (best) writeLearnables(method, best.learnables);
  return { status, best: best && { epoch: best.epoch, valAccuracy: best.valAccuracy }, history };
}

/**
 * Forward, loss, backward and update on one batch; everything it allocates is freed before it returns.
 * `classMask` (multitask runs) leaves each sample's other tasks' classes out of its loss.
 */
export async function trainStep(
  method: PromptMethod,
  inputs: InputSource,
  optimizer: Optimizer,
  backend: Backend,
  batch: readonly LabelledExample[],
  views: Random,
  lr: number,
  classMask?: Uint8Array,
): Promise<number> {
  const tape = new Tape(backend);
  let grads: Map<Tensor, Tensor> | null = null;
  try {
    const images = tape.track(inputs.batch(backend, batch, views));
    const logits = method.classifier(tape).logits(tape, images);
    const loss = softmaxCrossEntropy(
      tape,
      logits,
      batch.map((e) => e.label),
      classMask,
    );
    const [value] = await loss.read();
    grads = tape.backward(loss);
    optimizer.step(grads, lr);
    return value as number;
  } finally {
    for (const g of grads?.values() ?? []) g.free();
    tape.dispose();
  }
}
