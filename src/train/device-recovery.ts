/**
 * Training that survives a lost GPU device (a driver reset, a backgrounded tab): the run keeps its last
 * epoch checkpoint, and when the device goes, `reopen` builds the frozen CLIP on a fresh one and the run
 * continues from that checkpoint, arriving where an uninterrupted run would.
 */
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import type { FrozenClip } from './frozen-clip';
import {
  type TrainingCheckpoint,
  type TrainingHooks,
  type TrainingResult,
  type TrainingRun,
  trainRun,
} from './trainer';

export async function trainSurvivingDeviceLoss(
  run: TrainingRun,
  reopen: (lost: GpuDeviceLostError) => Promise<FrozenClip>,
  hooks: Omit<TrainingHooks, 'resumeFrom'> = {},
  maxRestarts = 2,
): Promise<TrainingResult> {
  let checkpoint: TrainingCheckpoint | undefined;
  let current = run;
  for (let restarts = 0; ; restarts++) {
    try {
      return await trainRun(current, {
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
