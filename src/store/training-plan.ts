/**
 * Train & Compare's plain logic, apart from the store and the page: which methods can be picked (each
 * method alone, and the multitask variants over several tasks), the runs a session makes of the choices
 * (one per method and seed), the worker's updates folded into the runs, and the results table's rows.
 */
import type { RunReport, TrainingUpdate } from '../../workers/training-api';
import { harmonicMean, meanAndStd } from '../common/statistics';
import { METHOD_CATALOG, type MethodEntry, type RunKind } from '../methods/catalog';
import type { HyperValue, MethodId } from '../methods/method';
import type { StoredRun } from '../persistence/records';

/** One entry of the method list: a method, alone or as a multitask variant. */
export interface MethodChoice {
  id: string;
  method: MethodId;
  kind: RunKind;
  title: string;
}

/** A method on its own: one task (`single`), or defined over several (`multitask`, SoftCPT). */
const own = (entry: MethodEntry, kind: RunKind): MethodChoice => ({
  id: entry.id,
  method: entry.id,
  kind,
  title: entry.title,
});

/** MVLPT's multitask CoOp, VPT and UPT: a prompt learnt on the other tasks, then adapted to the first. */
const mvlpt = (entry: MethodEntry): MethodChoice => ({
  id: `mvlpt-${entry.id}`,
  method: entry.id,
  kind: 'mvlpt',
  title: `Multitask ${entry.title} (MVLPT)`,
});

/** The catalog's methods in its order, then their MVLPT variants (catalog.ts says which a method has). */
export const METHOD_CHOICES: readonly MethodChoice[] = [
  ...METHOD_CATALOG.flatMap((entry) =>
    entry.variants.filter((kind) => kind !== 'mvlpt').map((kind) => own(entry, kind)),
  ),
  ...METHOD_CATALOG.filter((entry) => entry.variants.includes('mvlpt')).map(mvlpt),
];

export function methodChoice(id: string): MethodChoice {
  const choice = METHOD_CHOICES.find((c) => c.id === id);
  if (!choice) throw new Error(`there is no method choice ${id}`);
  return choice;
}

/** A stored run's choice: a run over several tasks is its method's multitask variant. */
export function choiceOfRun(run: Pick<StoredRun, 'method' | 'tasks'>): MethodChoice {
  if (run.tasks.length < 2 || run.method === 'softcpt') return methodChoice(run.method);
  return methodChoice(`mvlpt-${run.method}`);
}

/** "1, 2,3" → [1, 2, 3]: whole numbers ≥ 0, each once. */
export function parseSeedList(text: string): number[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const seeds = parts.map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`seeds must be whole numbers separated by commas, like 1,2,3 (got "${text}")`);
  }
  if (new Set(seeds).size !== seeds.length) throw new Error(`a seed is listed twice in "${text}"`);
  return seeds;
}

/** A whole number ≥ min from a form field; '' (left blank) is null: the method's own value. */
export function optionalNumber(text: string, name: string, options: { integer?: boolean; min: number }) {
  if (text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value < options.min || (options.integer && !Number.isInteger(value))) {
    const kind = options.integer ? 'a whole number' : 'a number';
    throw new Error(`${name} must be ${kind} ≥ ${options.min}, got "${text}"`);
  }
  return value;
}

/** A hyperparameter field's text read as its default's type. */
export function hyperValue(text: string, defaultValue: HyperValue, name: string): HyperValue {
  if (typeof defaultValue === 'string') return text;
  if (typeof defaultValue === 'boolean') return text === 'true';
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new Error(`${name} must be a number, got "${text}"`);
  return value;
}

export interface PlannedRun {
  runId: string;
  choice: MethodChoice;
  seed: number;
}

/**
 * One run per chosen method and seed, seeds inner, so a method's seeds sit together. `baseToNovel`: only
 * one-task methods that can score classes they never trained on.
 */
export function planRuns(
  choices: readonly MethodChoice[],
  seeds: readonly number[],
  taskCount: number,
  newId: () => string,
  baseToNovel = false,
): PlannedRun[] {
  if (choices.length === 0) throw new Error('pick at least one method');
  if (baseToNovel) {
    const perClass = choices.filter(
      (c) => !METHOD_CATALOG.find((e) => e.id === c.method)?.scoresUnseenClasses,
    );
    if (perClass.length > 0)
      throw new Error(
        `${perClass.map((c) => c.title).join(', ')}: its weights are per class, so it cannot score the novel ` +
          'classes; untick it or turn base-to-novel off',
      );
    const multitask = choices.filter((c) => c.kind !== 'single');
    if (multitask.length > 0)
      throw new Error(
        `${multitask.map((c) => c.title).join(', ')}: base-to-novel runs one task at a time; untick it or ` +
          'turn base-to-novel off',
      );
  }
  const multitask = choices.filter((c) => c.kind !== 'single');
  if (taskCount < 1) throw new Error('pick a task to train on');
  if (multitask.length > 0 && taskCount < 2) {
    throw new Error(`${multitask.map((c) => c.title).join(', ')} trains on several tasks: pick at least two`);
  }
  return choices.flatMap((choice) => seeds.map((seed) => ({ runId: newId(), choice, seed })));
}

export type LiveStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

/** A run of the session in progress, as the panel draws it. */
export interface LiveRun {
  id: string;
  choice: string;
  method: MethodId;
  /** The task compared on first. */
  tasks: string[];
  shots: number;
  seed: number;
  status: LiveStatus;
  /** MVLPT's stage in words; null for one-stage runs. */
  stage: string | null;
  features: { done: number; total: number } | null;
  curve: { step: number; loss: number }[];
  validation: { epoch: number; accuracy: number | null }[];
  stepsPerSecond: number | null;
  etaSeconds: number | null;
  error: string | null;
  deviceLost: boolean;
  /** Epochs the run's last checkpoint holds; null: a restart starts over. */
  checkpointEpoch: number | null;
  report: RunReport | null;
}

export function liveRun(planned: PlannedRun, tasks: string[], shots: number): LiveRun {
  return {
    id: planned.runId,
    choice: planned.choice.id,
    method: planned.choice.method,
    tasks: planned.choice.kind === 'single' ? tasks.slice(0, 1) : tasks,
    shots,
    seed: planned.seed,
    status: 'running',
    stage: null,
    features: null,
    curve: [],
    validation: [],
    stepsPerSecond: null,
    etaSeconds: null,
    error: null,
    deviceLost: false,
    checkpointEpoch: null,
    report: null,
  };
}

function applyOne(run: LiveRun, update: TrainingUpdate): LiveRun {
  switch (update.type) {
    case 'features':
      return { ...run, features: { done: update.done, total: update.total } };
    case 'step':
      return {
        ...run,
        stage: update.stage,
        curve: [...run.curve, { step: update.step, loss: update.loss }],
        stepsPerSecond: update.stepsPerSecond,
        etaSeconds: update.etaSeconds,
      };
    case 'epoch':
      return {
        ...run,
        validation: [...run.validation, { epoch: update.epoch, accuracy: update.valAccuracy }],
      };
    case 'done':
      return { ...run, status: update.status, report: update.report, etaSeconds: 0 };
    case 'failed':
      return {
        ...run,
        status: 'failed',
        error: update.error,
        deviceLost: update.deviceLost,
        checkpointEpoch: update.checkpointEpoch,
      };
    case 'checkpoint':
      return { ...run, checkpointEpoch: update.checkpoint.epoch };
    case 'restarted':
      return {
        ...run,
        status: 'running',
        error: null,
        deviceLost: false,
        curve: run.curve.filter((p) => p.step <= update.step),
        validation: run.validation.filter((p) => p.epoch <= update.epoch),
      };
  }
}

/** A batch of the worker's updates folded into the runs (runs it does not name are kept as they were). */
export function applyUpdates(runs: readonly LiveRun[], updates: readonly TrainingUpdate[]): LiveRun[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const update of updates) {
    const run = byId.get(update.runId);
    if (run) byId.set(update.runId, applyOne(run, update));
  }
  return runs.map((r) => byId.get(r.id) as LiveRun);
}

/** A finished (or failed) run as IndexedDB keeps it. */
export function storedRun(run: LiveRun, sessionId: string, promptSetId: string | null): StoredRun {
  const { report } = run;
  return {
    id: run.id,
    sessionId,
    method: run.method,
    tasks: run.tasks,
    shots: run.shots,
    seed: run.seed,
    status: run.status === 'completed' || run.status === 'cancelled' ? run.status : 'failed',
    error: run.error,
    testAccuracy: report?.testAccuracy ?? null,
    novel: report?.novel ?? null,
    perClassAccuracy: report?.perClassAccuracy ?? null,
    confusion: report?.confusion ?? null,
    classes: report?.classes ?? [],
    trainableParameters: report?.trainableParameters ?? 0,
    seconds: report?.seconds ?? 0,
    curve: run.curve,
    validation: run.validation,
    promptSetId,
    createdAt: Date.now(),
  };
}

/** One row of the results table: a method at a shot count, over its seeds. */
export interface ResultRow {
  key: string;
  choice: MethodChoice;
  task: string;
  shots: number;
  seeds: number[];
  /** On the base classes in base-to-novel rows. */
  testAccuracy: { mean: number; std: number };
  /** Base-to-novel rows: novel accuracy and the harmonic mean of base and novel, over the seeds. */
  novel: { classes: string[]; accuracy: Spread; harmonicMean: Spread } | null;
  trainableParameters: number;
  /** Mean seconds per run. */
  seconds: number;
  cancelled: number;
  classes: string[];
  /** Test images, summed over the seeds: confusion[true class][predicted class]. */
  confusion: number[][] | null;
}

/** Rows for the runs with a test accuracy, in the method list's order. */
export function resultRows(runs: readonly StoredRun[]): ResultRow[] {
  const groups = new Map<string, StoredRun[]>();
  for (const run of runs) {
    if (run.testAccuracy === null) continue;
    const key = `${choiceOfRun(run).id}|${run.shots}|${run.tasks.join('+')}|${run.novel ? 'base-to-novel' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const order = (row: ResultRow) => METHOD_CHOICES.indexOf(row.choice);
  return [...groups.entries()]
    .map(([key, group]): ResultRow => {
      const first = group[0] as StoredRun;
      return {
        key,
        choice: choiceOfRun(first),
        task: first.tasks[0] ?? '',
        shots: first.shots,
        seeds: group.map((r) => r.seed).sort((a, b) => a - b),
        testAccuracy: meanAndStd(group.map((r) => r.testAccuracy as number)),
        novel: novelSpread(group),
        trainableParameters: first.trainableParameters,
        seconds: group.reduce((s, r) => s + r.seconds, 0) / group.length,
        cancelled: group.filter((r) => r.status === 'cancelled').length,
        classes: first.classes,
        confusion: sumConfusions(group.flatMap((r) => (r.confusion ? [r.confusion] : []))),
      };
    })
    .sort((a, b) => order(a) - order(b) || a.shots - b.shots);
}

type Spread = { mean: number; std: number };

/** A base-to-novel group's novel accuracy and harmonic mean (per seed, then mean ± std); null otherwise. */
function novelSpread(group: readonly StoredRun[]): ResultRow['novel'] {
  const novel = group.flatMap((r) => (r.novel ? [r.novel.testAccuracy] : []));
  const first = group[0]?.novel;
  if (!first || novel.length !== group.length) return null;
  return {
    classes: first.classes,
    accuracy: meanAndStd(novel),
    harmonicMean: meanAndStd(group.map((r, i) => harmonicMean(r.testAccuracy as number, novel[i] as number))),
  };
}

/** Element-wise sum; null for none. */
export function sumConfusions(matrices: readonly number[][][]): number[][] | null {
  const [first, ...rest] = matrices;
  if (!first) return null;
  const sum = first.map((row) => [...row]);
  for (const matrix of rest)
    matrix.forEach((row, i) => {
      row.forEach((v, j) => {
        const target = sum[i];
        if (target) target[j] = (target[j] ?? 0) + v;
      });
    });
  return sum;
}

/** Each true class's share of images predicted as itself; null for a class with no test images. */
export function perClassAccuracy(confusion: readonly (readonly number[])[]): (number | null)[] {
  return confusion.map((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    return total === 0 ? null : (row[i] ?? 0) / total;
  });
}
