/**
 * The multitask benchmark (`prompt-studio bench multitask`): MVLPT's and SoftCPT's claims measured on the
 * embedded model's packs, in parts a process can run alone:
 *
 *   coop, vpt, upt  MVLPT Table 1: each target trained alone from the method's random initialisation vs from
 *                   the prompt stage 1 learnt on the source packs (MCoOp / MVPT / MUPT), at each shot count;
 *   groups          MVLPT Table 3: stage 2 in groups of two targets, each target with its best vs its worst
 *                   partner by the transferability matrix, both from the source prompt;
 *   softcpt         SoftCPT over all the targets at once, against per-task CoOp (the coop part's random rows).
 *
 * The groups' matrix is measured on the targets' training pools, never their test splits: the groups are
 * chosen without looking at the images they are scored on. Every row is a seed's mean test accuracy over
 * the targets; the command averages rows over seeds.
 */
import type { MethodDefinition, MethodId } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import { groupsFromMatrix, separateGroups } from '../multitask/adaptation-groups';
import { type MultitaskResult, trainMultitask } from '../multitask/multitask-trainer';
import { runMvlpt } from '../multitask/mvlpt';
import { onTrainingPools, runTransfer } from '../multitask/transfer-run';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import type { TrainingConfig } from '../train/trainer';

export const BENCH_PARTS = ['coop', 'vpt', 'upt', 'groups', 'softcpt'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

/** The method each part trains: MVLPT's VPT is VPT-deep; groups use CoOp, whose transfer is cheapest. */
export const PART_METHOD: Readonly<Record<BenchPart, MethodId>> = {
  coop: 'coop',
  vpt: 'vpt-deep',
  upt: 'upt',
  groups: 'coop',
  softcpt: 'softcpt',
};

/**
 * Epochs per method, and why. At 1 and 4 shots a target's epoch is one step (6–10 classes, 1–3 training
 * images each); the source packs' is two to four. The papers' schedules (MVLPT: 200 epochs for CoOp, VPT,
 * UPT; SoftCPT: CoOp's 50) are for hundreds of steps on large datasets; here the limit is the hour on 2 CPU
 * cores for 3 methods × 2 shot counts × 3 seeds × 8 targets × 2 initialisations, their source prompts, the
 * grouped runs and SoftCPT. Measured there (CPU backend, one core a job): a CoOp step on a target about
 * 0.15 s, a VPT step 0.25 s at 1 shot and 0.9 s at 4; 200 epochs made one 1-shot row (8 targets) 5 min of
 * CoOp and 8 of VPT. 15 epochs, for all three as MVLPT trains them with one recipe, fit the hour.
 */
const RECIPE = { epochs: 15, why: 'what the hour holds: see MULTITASK_BENCH_EPOCHS' };
export const MULTITASK_BENCH_EPOCHS: Readonly<Partial<Record<MethodId, { epochs: number; why: string }>>> = {
  coop: RECIPE,
  'vpt-deep': RECIPE,
  upt: RECIPE,
  softcpt: RECIPE,
};

export interface BenchSetting {
  clip: FrozenClip;
  sources: readonly TaskData[];
  targets: readonly TaskData[];
  shots: readonly number[];
  seeds: readonly number[];
  /** Shots for the grouped runs (one count: the matrix is measured once per seed at it). */
  groupShots: number;
  /** Over each method's epochs above. */
  config?: Partial<TrainingConfig>;
}

/** What a row measured: a variant of a part, at a shot count and seed. */
export type BenchVariant =
  | 'random' // each target alone from the method's initialisation
  | 'multitask' // each target alone from the source prompt
  | 'best-groups'
  | 'worst-groups'
  | 'softcpt';

export interface BenchRow {
  part: BenchPart;
  method: MethodId;
  variant: BenchVariant;
  shots: number;
  seed: number;
  /** Test top-1 per target, in the targets' order. */
  perTarget: { task: string; accuracy: number; group: string[] }[];
  /** Mean of perTarget. */
  average: number;
  seconds: number;
}

export type BenchProgress = (line: string) => void;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function configFor(method: MethodDefinition, setting: BenchSetting): Partial<TrainingConfig> {
  return { epochs: MULTITASK_BENCH_EPOCHS[method.id]?.epochs, ...setting.config };
}

/** Runs the parts in order, each row reported as it finishes. */
export async function runMultitaskBench(
  setting: BenchSetting,
  parts: readonly BenchPart[],
  progress: BenchProgress = () => {},
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const caches = new Map<MethodId, FeatureCache | undefined>();
  const cacheFor = (method: MethodDefinition) => {
    if (!caches.has(method.id))
      caches.set(method.id, method.input === 'image-features' ? new FeatureCache(setting.clip) : undefined);
    return caches.get(method.id);
  };
  // Stage 1 once per method, shots and seed: the multitask rows and the grouped runs start from the same.
  const sourcePrompts = new Map<string, MultitaskResult>();
  const sourcePrompt = async (method: MethodDefinition, shots: number, seed: number) => {
    const key = `${method.id}/${shots}/${seed}`;
    let prompt = sourcePrompts.get(key);
    if (!prompt) {
      const started = performance.now();
      prompt = await trainMultitask({
        clip: setting.clip,
        method,
        tasks: setting.sources,
        shots,
        seed,
        config: configFor(method, setting),
        featureCache: cacheFor(method),
      });
      progress(
        `${method.id} source prompt, ${shots}-shot seed ${seed}: ${((performance.now() - started) / 1000).toFixed(0)}s`,
      );
      sourcePrompts.set(key, prompt);
    }
    return prompt;
  };

  const record = (row: Omit<BenchRow, 'average'>) => {
    const done = { ...row, average: mean(row.perTarget.map((t) => t.accuracy)) };
    rows.push(done);
    progress(
      `${done.part} ${done.variant} ${done.shots}-shot seed ${done.seed}: ` +
        `${(100 * done.average).toFixed(1)}% (${done.seconds.toFixed(0)}s)`,
    );
  };

  for (const part of parts) {
    const method = methodDefinition(PART_METHOD[part]);
    const common = {
      clip: setting.clip,
      method,
      sources: setting.sources,
      targets: setting.targets,
      config: configFor(method, setting),
      featureCache: cacheFor(method),
    };
    if (part === 'softcpt') {
      for (const shots of setting.shots)
        for (const seed of setting.seeds) {
          const started = performance.now();
          const result = await trainMultitask({ ...common, tasks: setting.targets, shots, seed });
          record({
            part,
            method: method.id,
            variant: 'softcpt',
            shots,
            seed,
            perTarget: result.tasks.map((t) => ({ task: t.task, accuracy: t.test.top1, group: [] })),
            seconds: (performance.now() - started) / 1000,
          });
        }
    } else if (part === 'groups') {
      const shots = setting.groupShots;
      const names = setting.targets.map((t) => t.name);
      // One matrix, with the first seed, chooses the groups for every seed (as `multitask --groups auto`).
      const started = performance.now();
      const transfer = await runTransfer(
        {
          clip: setting.clip,
          model: 'bench',
          method,
          tasks: onTrainingPools(setting.targets),
          shots,
          seed: setting.seeds[0] as number,
          config: common.config,
          featureCache: common.featureCache,
        },
        null,
      );
      progress(
        `groups: transferability matrix on the training pools, ${((performance.now() - started) / 1000).toFixed(0)}s`,
      );
      for (const seed of setting.seeds) {
        const prompt = await sourcePrompt(method, shots, seed);
        for (const worst of [false, true]) {
          const started = performance.now();
          const groups = groupsFromMatrix(transfer.matrix, names, { size: 2, worst });
          const result = await runMvlpt({ ...common, groups, shots, seed, sourcePrompt: prompt });
          record({
            part,
            method: method.id,
            variant: worst ? 'worst-groups' : 'best-groups',
            shots,
            seed,
            perTarget: result.targets.map((t) => ({ task: t.task, accuracy: t.test.top1, group: t.group })),
            seconds: (performance.now() - started) / 1000,
          });
        }
      }
    } else {
      for (const shots of setting.shots)
        for (const seed of setting.seeds)
          for (const variant of ['random', 'multitask'] as const) {
            const prompt = variant === 'random' ? undefined : await sourcePrompt(method, shots, seed);
            // A row's time is stage 2's alone: the source prompt is shared, and timed where it is made.
            const started = performance.now();
            const result = await runMvlpt({
              ...common,
              sources: variant === 'random' ? [] : setting.sources,
              sourcePrompt: prompt,
              groups: separateGroups(setting.targets.map((t) => t.name)),
              shots,
              seed,
            });
            record({
              part,
              method: method.id,
              variant,
              shots,
              seed,
              perTarget: result.targets.map((t) => ({ task: t.task, accuracy: t.test.top1, group: t.group })),
              seconds: (performance.now() - started) / 1000,
            });
          }
    }
  }
  return rows;
}
