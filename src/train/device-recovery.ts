/**
 * Training that survives a lost GPU device (a driver reset, a backgrounded tab): a run keeps its last epoch
 * checkpoint, and when the device goes, `reopen` builds the frozen CLIP on a fresh one and the run continues
 * from that checkpoint, arriving where an uninterrupted run would. The same for one task and for several.
 */
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import {
  type MultitaskCheckpoint,
  type MultitaskHooks,
  type MultitaskResult,
  type MultitaskRun,
  trainMultitask,
} from '../multitask/multitask-trainer';
import type { FrozenClip } from './frozen-clip';
import {
  type TrainingCheckpoint,
  type TrainingHooks,
  type TrainingResult,
  type TrainingRun,
  trainRun,
} from './trainer';

type Reopen = (lost: GpuDeviceLostError) => Promise<FrozenClip>;

/** A run with its checkpoint hooks, whichever trainer it is. */
interface Resumable<Run, Checkpoint, Result> {
  train(run: Run, onCheckpoint: (c: Checkpoint) => void, resumeFrom: Checkpoint | undefined): Promise<Result>;
  /** The run on a fresh device: the old feature cache encodes on the lost one, so the new clip gets its own. */
  moved(run: Run, clip: FrozenClip): Run;
}

async function surviving<Run, Checkpoint, Result>(
  run: Run,
  trainer: Resumable<Run, Checkpoint, Result>,
  reopen: Reopen,
  maxRestarts: number,
): Promise<Result> {
  let checkpoint: Checkpoint | undefined;
  let current = run;
  for (let restarts = 0; ; restarts++) {
    try {
      return await trainer.train(current, (c) => (checkpoint = c), checkpoint);
    } catch (error) {
      if (!(error instanceof GpuDeviceLostError) || restarts >= maxRestarts) throw error;
      current = trainer.moved(current, await reopen(error));
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
    run,
    {
      train: (r, keep, resumeFrom) =>
        trainRun(r, {
          ...hooks,
          resumeFrom,
          onCheckpoint: (c) => {
            keep(c);
            hooks.onCheckpoint?.(c);
          },
        }),
      moved: (r, clip) => ({ ...r, clip, featureCache: undefined }),
    },
    reopen,
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
    run,
    {
      train: (r, keep, resumeFrom) =>
        trainMultitask(r, {
          ...hooks,
          resumeFrom,
          onCheckpoint: (c) => {
            keep(c);
            hooks.onCheckpoint?.(c);
          },
        }),
      moved: (r, clip) => ({ ...r, clip, featureCache: undefined }),
    },
    reopen,
    maxRestarts,
  );
}
