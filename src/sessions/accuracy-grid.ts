/**
 * The few-shot accuracy benchmark: every method on every task at several shot counts and seeds, through
 * the studio's own trainer, and the summary the papers report (test accuracy, mean ± std over seeds,
 * averaged over tasks, beside zero-shot).
 *
 * Frozen work is done once: each task's image features are encoded once into one FeatureCache shared by
 * every feature method (zero-shot, linear probe, CoOp), shot count and seed; zero-shot, which neither samples
 * nor trains, runs once per task.
 */

import { harmonicMean, meanAndStd } from '../common/statistics';
import type { MethodDefinition, MethodId } from '../methods/method';
import { type ClassSplit, splitBaseNovel } from '../train/base-to-novel';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import { type TrainingConfig, type TrainingResult, trainRun } from '../train/trainer';

/**
 * Epochs per method in the benchmark, by shots per class, and why; everything else is the method's paper
 * recipe (its file). The papers' epoch counts (CoOp 50–200, VPT and UPT 200, MuDPT 10) are for datasets
 * with tens to a thousand classes; here a task has 4–10, so at batch 32 a 16-shot epoch (13 training
 * images a class, 3 held out) is 1–4 steps and a 4-shot epoch (3 a class) a single partial batch. The
 * limit is time: the whole grid (8 targets × 2 shot counts × 3 seeds) must finish within an hour on a
 * 2-core CPU. Measured there (`bench step --cpu`, load average ~5): a pixel-method step at batch 32 costs
 * 1.1–1.7 s (33 tokens for VPT's 16 prompts, 21 for UPT's and MuDPT's 4), a MuDPT step at batch 4 0.24 s
 * (both towers), a CoOp step 0.2 s (the text tower over every class), a linear-probe step 7 ms; evaluating
 * an image costs about a third of training on it. Pixel methods then get about the same number of updates
 * at both shot counts (≈ 20: 4-shot epochs are one step, 16-shot ones two on average), which makes a
 * 4-shot epoch count twice the 16-shot one and a 4-shot run cheaper than a 16-shot one. The table is in
 * the order of the grid's cost, which it splits as VPT-shallow and VPT-deep a quarter each, MuDPT a
 * quarter, UPT a sixth, CoOp a tenth.
 */
export const BENCH_EPOCHS: Readonly<
  Partial<Record<MethodId, { epochs: (shots: number) => number; why: string }>>
> = {
  'linear-probe': {
    epochs: () => 200,
    why: 'its training defaults: a step costs milliseconds on cached features, nothing to save',
  },
  coop: {
    epochs: () => 50,
    why:
      "a quarter of CoOp's 200 epochs at 16 shots and half its 100 at 4 (50–200 steps a run): every step " +
      'runs the text tower forward and back over all classes, and 200 would cost the whole hour alone',
  },
  'vpt-shallow': {
    epochs: (shots) => (shots <= 4 ? 20 : 10),
    why:
      "MVLPT's 200 would take hours here; ≈ 20 updates a run at either shot count, a 16-shot epoch " +
      'being about two steps and a 4-shot epoch one',
  },
  'vpt-deep': {
    epochs: (shots) => (shots <= 4 ? 20 : 10),
    why: 'as VPT-shallow, so that the two differ only in the deep prompts',
  },
  upt: {
    epochs: (shots) => (shots <= 4 ? 20 : 10),
    why: 'as VPT: MVLPT trains CoOp, VPT and UPT with one recipe',
  },
  cocoop: {
    epochs: () => 10,
    why: "CoCoOp's own 10 epochs at batch 1 (vit_b16_c4_ep10_batch1): 40–160 updates a run, within the budget",
  },
  kgcoop: {
    epochs: () => 50,
    why: 'as CoOp, so that the two differ only in the knowledge-guided penalty',
  },
  mudpt: {
    epochs: () => 10,
    why: "the paper's own 10 epochs at batch 4 (§III-A): 30–320 updates a run, already within the budget",
  },
};

/** The benchmark's epochs for a method at `shots` per class; null for a method with nothing to train. */
export function benchEpochs(definition: MethodDefinition, shots: number): number | null {
  if (!definition.training) return null;
  return BENCH_EPOCHS[definition.id]?.epochs(shots) ?? definition.training.epochs;
}

export interface GridPlan {
  tasks: readonly TaskData[];
  methods: readonly MethodDefinition[];
  shots: readonly number[];
  seeds: readonly number[];
  /** Over every trained method's training defaults; `epochs` here overrides the table above. */
  config?: Partial<TrainingConfig>;
  /**
   * Base-to-novel (train/base-to-novel.ts): each task's classes split so; methods train on the base half
   * and are tested on both. Methods that cannot score unseen classes (the linear probe) are left out.
   */
  classSplit?: ClassSplit;
}

/** One run's outcome. Zero-shot's single run per task has shots 0 and seed 0. */
export interface GridCell {
  task: string;
  method: MethodId;
  shots: number;
  seed: number;
  /** On the base classes in a base-to-novel plan. */
  testAccuracy: number;
  /** Base-to-novel plans: test accuracy on the novel classes; null otherwise. */
  novelAccuracy: number | null;
  /** Validation accuracy of the kept epoch; null without a validation split or training. */
  validationAccuracy: number | null;
  /** The kept epoch (1-based); null without a validation split (the last is kept) or training. */
  keptEpoch: number | null;
  epochs: number;
  /** Per epoch, validation accuracy (null without a split) and mean training loss. */
  history: { validationAccuracy: number | null; trainLoss: number }[];
  trainImages: number;
  seconds: number;
}

function gridCell(result: TrainingResult): GridCell {
  return {
    task: result.task,
    method: result.method,
    shots: result.shots,
    seed: result.seed,
    testAccuracy: result.test.top1,
    novelAccuracy: result.novel?.test.top1 ?? null,
    validationAccuracy: result.best?.valAccuracy ?? null,
    keptEpoch: result.best ? result.best.epoch + 1 : null,
    epochs: result.epochsRun,
    history: result.history.map((h) => ({ validationAccuracy: h.valAccuracy, trainLoss: h.trainLoss })),
    trainImages: result.examples.train,
    seconds: result.seconds,
  };
}

/** The runs a plan makes, in order: per task, per method, per shot count, per seed. */
export function gridRuns<Task = TaskData>(
  plan: Omit<GridPlan, 'tasks'> & { tasks: readonly Task[] },
): { task: Task; method: MethodDefinition; shots: number; seed: number }[] {
  const methods = plan.classSplit ? plan.methods.filter((m) => m.scoresUnseenClasses) : plan.methods;
  return plan.tasks.flatMap((task) =>
    methods.flatMap((method) =>
      method.training
        ? plan.shots.flatMap((shots) => plan.seeds.map((seed) => ({ task, method, shots, seed })))
        : [{ task, method, shots: 0, seed: 0 }],
    ),
  );
}

/** Runs the whole plan; `onCell` hears each run as it finishes, with runs done and to do. */
export async function runAccuracyGrid(
  clip: FrozenClip,
  plan: GridPlan,
  onCell?: (cell: GridCell, done: number, total: number) => void,
): Promise<GridCell[]> {
  const runs = gridRuns(plan);
  const cells: GridCell[] = [];
  const caches = new Map<TaskData, FeatureCache>();
  const halves = new Map(
    plan.classSplit ? plan.tasks.map((task) => [task, splitBaseNovel(task, plan.classSplit)]) : [],
  );
  for (const { task, method, shots, seed } of runs) {
    let featureCache = caches.get(task);
    if (!featureCache) {
      featureCache = new FeatureCache(clip);
      caches.set(task, featureCache);
    }
    const epochs = plan.config?.epochs ?? benchEpochs(method, shots) ?? undefined;
    const config = { ...plan.config, epochs };
    const split = halves.get(task);
    const result = await trainRun({
      clip,
      method,
      task: split?.base ?? task,
      novel: split?.novel,
      shots,
      seed,
      config,
      featureCache,
    });
    const done = gridCell(result);
    cells.push(done);
    onCell?.(done, cells.length, runs.length);
  }
  return cells;
}

/**
 * Splits tasks into `count` groups of about equal work for parallel processes: a task's runs cost in
 * proportion to its classes (its training, validation and test images all are), so the largest tasks go
 * first, each to the lightest group so far. Each group keeps the tasks' given order.
 */
export function shardTasks<T extends { classes: readonly unknown[] }>(
  tasks: readonly T[],
  count: number,
): T[][] {
  const loads = Array.from({ length: Math.min(count, tasks.length) }, () => 0);
  const owner = new Map<T, number>();
  for (const task of [...tasks].sort((a, b) => b.classes.length - a.classes.length)) {
    const lightest = loads.indexOf(Math.min(...loads));
    owner.set(task, lightest);
    loads[lightest] = (loads[lightest] as number) + task.classes.length;
  }
  return loads.map((_, shard) => tasks.filter((t) => owner.get(t) === shard));
}

export interface Spread {
  mean: number;
  std: number;
}

/**
 * Base-to-novel figures beside a row's `testAccuracy` (then the base classes'): novel accuracy and the
 * harmonic mean of base and novel, each mean ± std over the seeds.
 */
export interface NovelSpread {
  novelAccuracy: Spread;
  harmonicMean: Spread;
}

/** One method at one shot count (0: zero-shot) averaged over the tasks. */
export interface AverageRow {
  method: MethodId;
  shots: number;
  /** Per seed, the mean over tasks; then mean ± std of those over the seeds. */
  testAccuracy: Spread;
  /**
   * The same of the kept epochs' validation accuracy, what recipes are chosen by (never test); null where
   * a run has no validation split (zero-shot, 1 shot).
   */
  validationAccuracy: Spread | null;
  /** Per seed, the harmonic mean of the mean base and mean novel accuracy over tasks, as CoCoOp averages. */
  novel: NovelSpread | null;
  seeds: number;
  tasks: number;
}

/** One method at one shot count on one task: mean ± std over the seeds. */
export interface TaskRow {
  task: string;
  method: MethodId;
  shots: number;
  testAccuracy: Spread;
  novel: NovelSpread | null;
  seeds: number;
}

export interface GridSummary {
  average: AverageRow[];
  perTask: TaskRow[];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Over seeds, each seed's cells averaged (one cell per seed for a task's row); null outside base-to-novel. */
function novelSpread(bySeed: readonly (readonly GridCell[])[]): NovelSpread | null {
  if (!bySeed.every((cells) => cells.every((c) => c.novelAccuracy !== null))) return null;
  const perSeed = bySeed.map((cells) => {
    const base = meanAndStd(cells.map((c) => c.testAccuracy)).mean;
    const novel = meanAndStd(cells.map((c) => c.novelAccuracy as number)).mean;
    return { novel, harmonic: harmonicMean(base, novel) };
  });
  return {
    novelAccuracy: meanAndStd(perSeed.map((p) => p.novel)),
    harmonicMean: meanAndStd(perSeed.map((p) => p.harmonic)),
  };
}

/**
 * The papers' summary. Per task: mean ± std (numpy's, ddof 0) of test accuracy over the seeds. Averaged
 * over tasks: for each seed the mean over the tasks, then mean ± std over the seeds, so the spread is the
 * seed-to-seed spread of the average (the mean is the mean of the per-task means either way). Every
 * (method, shots, seed) must cover the same tasks, or the averages would compare different task sets.
 */
export function summarizeGrid(cells: readonly GridCell[]): GridSummary {
  const perTask = [...groupBy(cells, (c) => `${c.method}\u0000${c.shots}\u0000${c.task}`).values()].map(
    (group): TaskRow => {
      const { task, method, shots } = group[0] as GridCell;
      return {
        task,
        method,
        shots,
        testAccuracy: meanAndStd(group.map((c) => c.testAccuracy)),
        novel: novelSpread(group.map((c) => [c])),
        seeds: group.length,
      };
    },
  );
  const average = [...groupBy(cells, (c) => `${c.method}\u0000${c.shots}`).values()].map(
    (group): AverageRow => {
      const { method, shots } = group[0] as GridCell;
      const tasks = new Set(group.map((c) => c.task));
      const bySeed = [...groupBy(group, (c) => String(c.seed)).values()];
      for (const seedCells of bySeed) {
        if (seedCells.length !== tasks.size) {
          throw new Error(`${method} at ${shots} shots: seed ${seedCells[0]?.seed} misses some of the tasks`);
        }
      }
      const overSeeds = (value: (c: GridCell) => number) =>
        meanAndStd(bySeed.map((seedCells) => meanAndStd(seedCells.map(value)).mean));
      return {
        method,
        shots,
        testAccuracy: overSeeds((c) => c.testAccuracy),
        validationAccuracy: group.every((c) => c.validationAccuracy !== null)
          ? overSeeds((c) => c.validationAccuracy as number)
          : null,
        novel: novelSpread(bySeed),
        seeds: bySeed.length,
        tasks: tasks.size,
      };
    },
  );
  return { average, perTask };
}
