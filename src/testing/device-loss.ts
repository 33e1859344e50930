/**
 * For the trainers' tests: a run that loses its GPU device mid-way continues from its last epoch checkpoint
 * on a reopened model, as the studio's sessions do (`TrainingSession.restart`), and must arrive where an
 * uninterrupted run would. The same for one task and for several.
 */
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import {
  type MultitaskCheckpoint,
  type MultitaskHooks,
  type MultitaskResult,
  type MultitaskRun,
  trainMultitask,
} from '../multitask/multitask-trainer';
import type { FrozenClip } from '../train/frozen-clip';
import {
  type TrainingCheckpoint,
  type TrainingHooks,
  type TrainingResult,
  type TrainingRun,
  trainRun,
} from '../train/trainer';

type Reopen = (lost: GpuDeviceLostError) => Promise<FrozenClip>;

interface CheckpointHooks<Checkpoint> {
  onCheckpoint?: (checkpoint: Checkpoint) => void;
  resumeFrom?: Checkpoint;
}

/** Runs `train`, and after a lost device runs it again on a reopened one from its last checkpoint. */
async function surviving<Run extends { clip: FrozenClip; featureCache?: unknown }, Checkpoint, Result>(
  train: (run: Run, hooks: CheckpointHooks<Checkpoint>) => Promise<Result>,
  run: Run,
  reopen: Reopen,
  hooks: Omit<CheckpointHooks<Checkpoint>, 'resumeFrom'>,
  maxRestarts: number,
): Promise<Result> {
  let checkpoint: Checkpoint | undefined;
  let current = run;
  for (let restarts = 0; ; restarts++) {
    try {
      return await train(current, {
        ...hooks,
        resumeFrom: checkpoint,
        onCheckpoint: (c) => {
          checkpoint = c;
          hooks.onCheckpoint?.(c);
        },
      });
    } catch (error) {
      if (!(error instanceof GpuDeviceLostError) || restarts >= maxRestarts) throw error;
      // The old cache's features are host arrays and still right, but it encodes new images on the lost
      // device: the new clip gets its own.
      current = { ...current, clip: await reopen(error), featureCache: undefined };
    }
  }
}

export function trainSurvivingDeviceLoss(
  run: TrainingRun,
  reopen: Reopen,
  hooks: Omit<TrainingHooks, 'resumeFrom'> = {},
  maxRestarts = 2,
): Promise<TrainingResult> {
  return surviving<TrainingRun, TrainingCheckpoint, TrainingResult>(
    (r, checkpoints) => trainRun(r, { ...hooks, ...checkpoints }),
    run,
    reopen,
    hooks,
    maxRestarts,
  );
}

export function trainMultitaskSurvivingDeviceLoss(
  run: MultitaskRun,
  reopen: Reopen,
  hooks: Omit<MultitaskHooks, 'resumeFrom'> = {},
  maxRestarts = 2,
): Promise<MultitaskResult> {
  return surviving<MultitaskRun, MultitaskCheckpoint, MultitaskResult>(
    (r, checkpoints) => trainMultitask(r, { ...hooks, ...checkpoints }),
    run,
    reopen,
    hooks,
    maxRestarts,
  );
}
