/**
 * MVLPT (Shen et al., "Multitask Vision-Language Prompt Tuning", §3.2) in its two stages:
 *
 *   1. multitask prompt initialisation: one prompt (MCoOp / MVPT / MUPT) learnt on all the source tasks'
 *      K-shot sets together, with the same K as the targets get (the paper's 1-shot setting samples 1 image
 *      per class of every source task);
 *   2. multitask prompt adaptation: each group of target tasks starts from that prompt and is tuned jointly;
 *      a group of one is single-task adaptation.
 *
 * Stage 1 hands on the prompt kept for the source tasks as a whole (best mean validation accuracy over them,
 * MVLPT's 'average' key); in stage 2 every target keeps its own best epoch. Without sources the targets start
 * from the method's own random initialisation: the single-task baselines (CoOp, VPT, UPT) of MVLPT's Table 1.
 */

import { meanAndStd } from '../common/statistics';
import type { Hyperparameters, MethodDefinition } from '../methods/method';
import type { EvaluationReport } from '../train/evaluate';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import type { BestEpoch, TrainingConfig } from '../train/trainer';
import type { TrainingControl } from '../train/training-control';
import type { AdaptationGroup } from './adaptation-groups';
import type { TaskSampling } from './mixed-batches';
import {
  type MultitaskCheckpoint,
  type MultitaskEvent,
  type MultitaskResult,
  trainMultitask,
} from './multitask-trainer';

export interface MvlptStudy {
  clip: FrozenClip;
  method: MethodDefinition;
  hyperparameters?: Hyperparameters;
  /** Stage 1's tasks; none: the targets start from the method's own initialisation. */
  sources: readonly TaskData[];
  /**
   * Stage 1 already run on these sources with this method, shots and seed (another study's
   * `initialisation`): stage 2 starts from it instead of training it again.
   */
  sourcePrompt?: MultitaskResult;
  targets: readonly TaskData[];
  /** Stage 2's groups, over the targets' names; every target reported by exactly one group. */
  groups: readonly AdaptationGroup[];
  shots: number;
  seed: number;
  /** Both stages' training, over the method's defaults. */
  config?: Partial<TrainingConfig>;
  /** Stage 1 only, over `config`. */
  sourceConfig?: Partial<TrainingConfig>;
  sampling?: TaskSampling;
  featureCache?: FeatureCache;
}

export interface MvlptStage {
  stage: 'initialisation' | 'adaptation';
  tasks: string[];
}

/**
 * Where a study stands at an epoch's end: the stages finished, whole, and the one in progress at its last
 * checkpoint. Plain data, so it survives a lost GPU device; resuming redoes neither finished stages nor
 * finished epochs.
 */
export interface MvlptCheckpoint {
  initialisation: MultitaskResult | null;
  adaptation: MultitaskResult[];
  current: MultitaskCheckpoint | null;
}

export interface MvlptHooks {
  onEvent?: (stage: MvlptStage, event: MultitaskEvent) => void;
  control?: TrainingControl;
  onCheckpoint?: (checkpoint: MvlptCheckpoint) => void;
  /** Continues a study of the same settings from its checkpoint. */
  resumeFrom?: MvlptCheckpoint;
}

export interface TargetScore {
  task: string;
  /** The group whose run reports it. */
  group: string[];
  best: BestEpoch | null;
  test: EvaluationReport;
}

export interface MvlptResult {
  status: 'completed' | 'cancelled';
  seed: number;
  /** Stage 1; null without sources. */
  initialisation: MultitaskResult | null;
  /** Stage 2, one per group in the study's order (fewer when cancelled). */
  adaptation: MultitaskResult[];
  /** In the targets' order; only those reached when cancelled. */
  targets: TargetScore[];
}

/** `base` with the values `overrides` sets (an undefined value leaves the base's). */
function over(
  base: Partial<TrainingConfig> = {},
  overrides: Partial<TrainingConfig> = {},
): Partial<TrainingConfig> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return merged as Partial<TrainingConfig>;
}

function checkGroups(targets: readonly TaskData[], groups: readonly AdaptationGroup[]): void {
  const names = targets.map((t) => t.name);
  const reported = new Map<string, number>();
  for (const group of groups) {
    for (const task of group.tasks) {
      if (!names.includes(task)) throw new Error(`group ${group.tasks.join('+')}: ${task} is not a target`);
    }
    for (const task of group.report) {
      if (!group.tasks.includes(task))
        throw new Error(`group ${group.tasks.join('+')} reports ${task}, not a member`);
      reported.set(task, (reported.get(task) ?? 0) + 1);
    }
  }
  for (const name of names) {
    const times = reported.get(name) ?? 0;
    if (times !== 1)
      throw new Error(`target ${name} is reported by ${times} groups; it must be by exactly one`);
  }
}

/** Both stages for one seed. */
export async function runMvlpt(study: MvlptStudy, hooks: MvlptHooks = {}): Promise<MvlptResult> {
  checkGroups(study.targets, study.groups);
  const featureCache =
    study.featureCache ??
    (study.method.input === 'image-features' ? new FeatureCache(study.clip) : undefined);
  const common = {
    clip: study.clip,
    method: study.method,
    hyperparameters: study.hyperparameters,
    shots: study.shots,
    seed: study.seed,
    sampling: study.sampling,
    featureCache,
  };
  const resume = hooks.resumeFrom;
  const finished = () => ({ initialisation: result.initialisation, adaptation: [...result.adaptation] });
  // A stage's hooks: its events, and checkpoints of the whole study (the finished stages with this one's).
  const listen = (stage: MvlptStage, resumeFrom: MultitaskCheckpoint | undefined) => ({
    onEvent: hooks.onEvent && ((event: MultitaskEvent) => hooks.onEvent?.(stage, event)),
    control: hooks.control,
    resumeFrom,
    onCheckpoint:
      hooks.onCheckpoint &&
      ((current: MultitaskCheckpoint) => hooks.onCheckpoint?.({ ...finished(), current })),
  });
  const result: MvlptResult = {
    status: 'completed',
    seed: study.seed,
    initialisation: null,
    adaptation: [],
    targets: [],
  };

  if (resume?.initialisation) {
    result.initialisation = resume.initialisation;
  } else if (study.sourcePrompt) {
    const trainedOn = study.sourcePrompt.tasks.map((t) => t.task).join(',');
    if (trainedOn !== study.sources.map((t) => t.name).join(','))
      throw new Error(`the given source prompt was trained on ${trainedOn}, not this study's sources`);
    result.initialisation = study.sourcePrompt;
  } else if (study.sources.length > 0) {
    const tasks = study.sources.map((t) => t.name);
    result.initialisation = await trainMultitask(
      { ...common, tasks: study.sources, config: over(study.config, study.sourceConfig) },
      listen({ stage: 'initialisation', tasks }, resume?.current ?? undefined),
    );
    if (result.initialisation.status === 'cancelled') return { ...result, status: 'cancelled' };
  }
  const initial = result.initialisation && {
    from: `the source prompt (${result.initialisation.tasks.map((t) => t.task).join(', ')})`,
    learnables: result.initialisation.shared.learnables,
  };

  // Whether the checkpoint was taken after stage 1 (or in a study without one).
  const stageOneDone =
    study.sources.length === 0 || study.sourcePrompt !== undefined || !!resume?.initialisation;
  const byName = new Map(study.targets.map((t) => [t.name, t]));
  const scores = new Map<string, TargetScore>();
  for (const [index, group] of study.groups.entries()) {
    const tasks = group.tasks.map((name) => byName.get(name) as TaskData);
    const done = resume?.adaptation[index];
    // The stage the checkpoint was taken in: the first group not finished in it, once stage 1 is.
    const inProgress = resume && stageOneDone && index === resume.adaptation.length ? resume.current : null;
    const adapted =
      done ??
      (await trainMultitask(
        { ...common, tasks, config: study.config, initial: initial ?? undefined },
        listen({ stage: 'adaptation', tasks: group.tasks }, inProgress ?? undefined),
      ));
    result.adaptation.push(adapted);
    if (adapted.status === 'cancelled') {
      result.status = 'cancelled';
      break;
    }
    for (const outcome of adapted.tasks) {
      if (group.report.includes(outcome.task)) {
        scores.set(outcome.task, {
          task: outcome.task,
          group: group.tasks,
          best: outcome.best,
          test: outcome.test,
        });
      }
    }
  }
  result.targets = study.targets.flatMap((t) => scores.get(t.name) ?? []);
  return result;
}

export interface MvlptSeedsResult {
  runs: MvlptResult[];
  /** Per target (in order): test top-1 over the seeds, mean ± standard deviation (population, as CoOp reports). */
  targets: { task: string; group: string[]; accuracy: { mean: number; std: number } }[];
  /** Mean over the targets of each target's mean. */
  average: number;
  cancelled: boolean;
}

/** One study per seed, sharing one feature cache; stops at the first cancelled seed. */
export async function runMvlptSeeds(
  study: Omit<MvlptStudy, 'seed'>,
  seeds: readonly number[],
  hooks: Omit<MvlptHooks, 'onEvent'> & {
    onEvent?: (seed: number, stage: MvlptStage, event: MultitaskEvent) => void;
  } = {},
): Promise<MvlptSeedsResult> {
  if (seeds.length === 0) throw new Error('mvlpt: no seeds');
  const featureCache =
    study.featureCache ??
    (study.method.input === 'image-features' ? new FeatureCache(study.clip) : undefined);
  const runs: MvlptResult[] = [];
  for (const seed of seeds) {
    const run = await runMvlpt(
      { ...study, seed, featureCache },
      {
        control: hooks.control,
        onEvent: hooks.onEvent && ((stage, event) => hooks.onEvent?.(seed, stage, event)),
      },
    );
    runs.push(run);
    if (run.status === 'cancelled') break;
  }
  const complete = runs.filter((r) => r.status === 'completed');
  const targets = study.targets.map((target) => {
    const scores = complete.flatMap((r) => r.targets.filter((s) => s.task === target.name));
    return {
      task: target.name,
      group: scores[0]?.group ?? [target.name],
      accuracy: meanAndStd(scores.map((s) => s.test.top1)),
    };
  });
  return {
    runs,
    targets,
    average: meanAndStd(targets.map((t) => t.accuracy.mean)).mean,
    cancelled: runs.length < seeds.length || runs.some((r) => r.status === 'cancelled'),
  };
}
