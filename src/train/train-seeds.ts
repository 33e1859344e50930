/**
 * The few-shot protocol's repeat: the same run under several seeds (a different K-shot sample and
 * initialisation each), reported as mean ± standard deviation of test accuracy. The deviation is numpy's
 * default (population, ddof 0), as CoOp's parse_test_res.py reports it.
 */
import { meanAndStd } from '../common/statistics';
import { FeatureCache } from './feature-cache';
import {
  type TrainingEvent,
  type TrainingHooks,
  type TrainingResult,
  type TrainingRun,
  trainRun,
} from './trainer';

export interface SeedsResult {
  runs: TrainingResult[];
  testAccuracy: { mean: number; std: number };
  /** Whether a run was cancelled: the later seeds were then not run. */
  cancelled: boolean;
}

/** One run per seed, in order, sharing one feature cache; events are tagged with their seed. */
export async function trainSeeds(
  run: Omit<TrainingRun, 'seed'>,
  seeds: readonly number[],
  hooks: Omit<TrainingHooks, 'onEvent' | 'resumeFrom'> & {
    onEvent?: (seed: number, event: TrainingEvent) => void;
  } = {},
): Promise<SeedsResult> {
  if (seeds.length === 0) throw new Error('trainSeeds: no seeds');
  const featureCache =
    run.featureCache ?? (run.method.input === 'image-features' ? new FeatureCache(run.clip) : undefined);
  const runs: TrainingResult[] = [];
  for (const seed of seeds) {
    const result = await trainRun(
      { ...run, seed, featureCache },
      { ...hooks, onEvent: hooks.onEvent && ((event) => hooks.onEvent?.(seed, event)) },
    );
    runs.push(result);
    if (result.status === 'cancelled') break;
  }
  return {
    runs,
    testAccuracy: meanAndStd(runs.map((r) => r.test.top1)),
    cancelled: runs.some((r) => r.status === 'cancelled'),
  };
}
