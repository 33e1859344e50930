/**
 * The epochs both trainers run (trainer.ts for one task, multitask-trainer.ts for several): the optimizer
 * the config names, the constant warm-up then per-epoch cosine schedule, each step's forward, loss,
 * backward and update, pause and cancel between steps, a diverged loss stopped with the step that broke,
 * and the step events with a rate that follows the machine. What differs between the trainers (how an
 * epoch is cut into batches, what validation measures, what is kept) comes in as callbacks.
 *
 * Resuming: `resume` gives the optimizer state and the epoch to start at; the caller restores the
 * learnables and its own bookkeeping. Checkpoints are taken at epoch ends, where the state is just
 * learnables, optimizer slots and the caller's records, all plain arrays.
 */
import type { Backend } from '../engine/backend';
import { AdamW } from '../engine/optim/adamw';
import type { Optimizer, OptimizerState } from '../engine/optim/optimizer';
import { cosineWithConstantWarmup } from '../engine/optim/schedule';
import { Sgd } from '../engine/optim/sgd';
import type { Random } from '../engine/random';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import type { PromptMethod, TrainingDefaults } from '../methods/method';
import { trainingLoss } from '../methods/training-loss';
import type { InputSource } from './inputs';
import { stream } from './seeds';
import type { LabelledExample } from './task-data';
import type { TrainingConfig } from './training-config';
import { TrainingControl } from './training-control';

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
    const { loss } = trainingLoss(
      tape,
      method,
      images,
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

export interface EpochEnd {
  epoch: number;
  trainLoss: number;
  /** The schedule's rate at the epoch's first step. */
  learningRate: number;
  /** The optimizer's slots now, for a checkpoint (read only when asked: it copies every slot to the host). */
  optimizerState(): Promise<OptimizerState>;
}

/** A training step's progress, as the trainers report it. */
export interface StepEvent {
  type: 'step';
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  lr: number;
  stepsPerSecond: number;
  etaSeconds: number;
}

export interface EpochLoop {
  method: PromptMethod;
  inputs: InputSource;
  backend: Backend;
  config: TrainingConfig;
  seed: number;
  stepsPerEpoch: number;
  /** The epoch's batches, in order, from the epoch's own stream. */
  batches(epoch: number, order: Random): readonly (readonly LabelledExample[])[];
  /** Multitask runs: each sample's other tasks' classes left out of its loss. */
  classMask?(batch: readonly LabelledExample[]): Uint8Array;
  /** Validation, bookkeeping, the epoch event and any checkpoint: the caller's, at each epoch's end. */
  endEpoch(end: EpochEnd): Promise<void>;
  onStep(event: StepEvent): void;
  control?: TrainingControl;
  resume?: { epochsDone: number; optimizer: OptimizerState };
}

export async function runEpochs(loop: EpochLoop): Promise<'completed' | 'cancelled'> {
  const { config, stepsPerEpoch: steps } = loop;
  const control = loop.control ?? new TrainingControl();
  const optimizer = createOptimizer([...loop.method.learnables.values()], config);
  const schedule = cosineWithConstantWarmup({
    baseLr: config.learningRate,
    totalEpochs: config.epochs,
    warmupEpochs: config.warmupEpochs,
    warmupLr: config.warmupLearningRate,
    stepsPerEpoch: steps,
  });
  if (loop.resume) optimizer.loadState(loop.resume.optimizer);
  const totalSteps = config.epochs * steps;
  let stepSeconds: number | null = null;
  try {
    for (let epoch = loop.resume?.epochsDone ?? 0; epoch < config.epochs; epoch++) {
      const batches = loop.batches(epoch, stream(loop.seed, 'batch-order', epoch));
      const views = stream(loop.seed, 'views', epoch);
      let lossSum = 0;
      for (const [step, batch] of batches.entries()) {
        if (await control.proceed()) return 'cancelled';
        const stepStart = performance.now();
        const lr = schedule(epoch * steps + step);
        const mask = loop.classMask?.(batch);
        const loss = await trainStep(
          loop.method,
          loop.inputs,
          optimizer,
          loop.backend,
          batch,
          views,
          lr,
          mask,
        );
        if (!Number.isFinite(loss)) {
          throw new Error(
            `training diverged: the loss is ${loss} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr})`,
          );
        }
        lossSum += loss;
        // An average over recent steps, so the rate follows the machine rather than the first step's compiles.
        const seconds = (performance.now() - stepStart) / 1000;
        stepSeconds = stepSeconds === null ? seconds : 0.8 * stepSeconds + 0.2 * seconds;
        loop.onStep({
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
      await loop.endEpoch({
        epoch,
        trainLoss: lossSum / steps,
        learningRate: schedule(epoch * steps),
        optimizerState: () => optimizer.state(),
      });
    }
    return 'completed';
  } finally {
    optimizer.dispose();
  }
}
