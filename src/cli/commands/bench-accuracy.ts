/**
 * `prompt-studio bench accuracy`: every method trained on the target task packs at several shot counts and
 * seeds (src/sessions/accuracy-grid.ts), test accuracy mean ± std averaged over the targets beside zero-shot,
 * a per-task table, and whether the papers' orderings hold. Progress goes to stderr.
 *
 * The backend is chosen for speed (`--backend auto`, see backend-choice.ts): the CPU backend where WebGPU
 * runs on a fallback adapter, WebGPU on a real GPU.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { GpuAdapterSummary } from '../../engine/gpu/gpu-backend';
import type { ChosenBackend } from '../../engine/open-backend';
import type { MethodId } from '../../methods/method';
import {
  type AverageRow,
  BENCH_EPOCHS,
  benchEpochs,
  type GridCell,
  type GridPlan,
  type GridSummary,
  gridRuns,
  runAccuracyGrid,
  shardTasks,
  summarizeGrid,
} from '../../sessions/accuracy-grid';
import type { TaskInfo } from '../../tasks/task-index';
import type { ClassSplit } from '../../train/base-to-novel';
import { loadFrozenClip } from '../../train/frozen-clip';
import type { TaskData } from '../../train/task-data';
import type { ParsedArgs } from '../args';
import { stringOption } from '../args';
import { adapterName, backendChoice, openChosenBackend } from '../backend-choice';
import { chooseMethods, chooseTasks, countsOption, readTaskIndex, SHIPPED_TASKS_DIR } from '../bench-options';
import { jobsOption, passedOptions, runJsonJobs } from '../child-jobs';
import { emit, table } from '../output';
import { readTask } from '../studio-inputs';
import { formatDuration, trainingOverrides } from '../training-options';
import { loadModel } from './zero-shot';

const percent = (x: number) => (100 * x).toFixed(1);
const spread = (s: { mean: number; std: number }) => `${percent(s.mean)} ± ${percent(s.std)}`;

/** The papers' directions, checked on the averages at the largest shot count. */
export interface OrderingCheck {
  claim: string;
  holds: boolean;
  /** The two averages compared, in points. */
  left: number;
  right: number;
}

/** A method's row at k shots; a method that does not train has one, at 0 shots, for every k. */
function rowAt<Row extends { method: MethodId; shots: number }>(
  rows: readonly Row[],
  method: MethodId,
  k: number,
  where: (row: Row) => boolean = () => true,
): Row | undefined {
  return rows.find((r) => r.method === method && (r.shots === k || r.shots === 0) && where(r));
}

function orderingChecks(average: readonly AverageRow[], shots: number): OrderingCheck[] {
  const at = (method: MethodId) => rowAt(average, method, shots);
  const checks: OrderingCheck[] = [];
  const compare = (claim: string, left: MethodId, right: MethodId, strict: boolean) => {
    const [a, b] = [at(left), at(right)];
    if (!a || !b) return;
    const [x, y] = [100 * a.testAccuracy.mean, 100 * b.testAccuracy.mean];
    checks.push({ claim, holds: strict ? x > y : x >= y, left: x, right: y });
  };
  for (const row of average) {
    if (row.method !== 'zero-shot' && row.shots === shots)
      compare(`${row.method} > zero-shot at ${shots} shots`, row.method, 'zero-shot', true);
  }
  compare(`vpt-deep ≥ vpt-shallow at ${shots} shots`, 'vpt-deep', 'vpt-shallow', false);
  compare(`mudpt ≥ coop at ${shots} shots`, 'mudpt', 'coop', false);
  return checks;
}

function averageTable(summary: GridSummary, methods: readonly MethodId[], shots: readonly number[]): string {
  const cell = (row: AverageRow | undefined) => (row ? spread(row.testAccuracy) : '-');
  return table(
    ['method', ...shots.map((k) => `${k} shots`)],
    methods.map((method) => [method, ...shots.map((k) => cell(rowAt(summary.average, method, k)))]),
  );
}

function perTaskTable(
  summary: GridSummary,
  tasks: readonly string[],
  methods: readonly MethodId[],
  shots: number,
): string {
  return table(
    ['task', ...methods],
    tasks.map((task) => [
      task,
      ...methods.map((method) => {
        const row = rowAt(summary.perTask, method, shots, (r) => r.task === task);
        return row ? spread(row.testAccuracy) : '-';
      }),
    ]),
  );
}

/** What one process of the grid reports (all of it, with --json). */
interface GridReport {
  backend: string;
  backendReason: string;
  adapter: GpuAdapterSummary | null;
  cells: GridCell[];
}

/** Runs the grid's tasks in this process, progress to stderr. */
async function runHere(
  args: ParsedArgs,
  infos: readonly TaskInfo[],
  tasksDir: string,
  plan: Omit<GridPlan, 'tasks'>,
  chosen: ChosenBackend,
): Promise<GridReport> {
  const started = performance.now();
  const tasks: TaskData[] = [];
  for (const info of infos) {
    const { task, skipped } = await readTask(join(tasksDir, info.name), info.classes);
    for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    tasks.push(task);
  }
  const { backend, adapter, reason } = chosen;
  const clip = loadFrozenClip(await loadModel(stringOption(args, 'model') ?? 'embedded'), backend);
  const cells = await runAccuracyGrid(clip, { ...plan, tasks }, (c, done, total) => {
    const elapsed = (performance.now() - started) / 1000;
    process.stderr.write(
      `[${done}/${total} ${formatDuration(elapsed)}, eta ${formatDuration((elapsed / done) * (total - done))}] ` +
        `${c.task} ${c.method}${c.shots ? ` ${c.shots}-shot seed ${c.seed}` : ''}: ` +
        `${c.validationAccuracy === null ? '' : `val ${percent(c.validationAccuracy)}% @${c.keptEpoch}, `}` +
        `${c.seconds.toFixed(1)}s\n`,
    );
  });
  return { backend: backend.name, backendReason: reason, adapter, cells };
}

/** Runs each group of tasks in its own `prompt-studio bench accuracy --json` process and gathers their cells. */
async function runInProcesses(
  args: ParsedArgs,
  command: GridCommand,
  shards: readonly TaskInfo[][],
  kind: string,
): Promise<GridCell[]> {
  const passed = passedOptions(args, ['tasks', 'jobs', 'json', 'cpu', 'backend', 'out']);
  const reports = await runJsonJobs<GridReport>(
    shards.map((shard) => [
      'bench',
      command.name,
      ...passed,
      '--tasks',
      shard.map((t) => t.name).join(','),
      '--jobs',
      '1',
      '--backend',
      kind,
      '--json',
    ]),
  );
  return reports.flatMap((r) => r.cells);
}

/** A command that runs the grid: `bench accuracy`, or `bench generalisation` (base-to-novel). */
export interface GridCommand {
  name: 'accuracy' | 'generalisation';
  classSplit?: ClassSplit;
  defaultShots: readonly number[];
}

/** The grid's run, in this process or several, and everything the commands print or write. */
export async function runGridCommand(args: ParsedArgs, command: GridCommand) {
  const tasksDir = stringOption(args, 'tasks-dir') ?? SHIPPED_TASKS_DIR;
  const infos = chooseTasks(args, await readTaskIndex(tasksDir));
  const chosenMethods = chooseMethods(args, { trainedOnly: false });
  const methods = chosenMethods.filter((m) => !command.classSplit || m.scoresUnseenClasses);
  const notApplicable = chosenMethods.filter((m) => !methods.includes(m)).map((m) => m.id);
  const shots = countsOption(args, 'shots', command.defaultShots, 1);
  const seeds = countsOption(args, 'seeds', [1, 2, 3], 0);
  const config = trainingOverrides(args);
  const started = performance.now();
  const loadAtStart = loadavg()[0] as number;
  const chosen = await openChosenBackend(backendChoice(args, 'auto'));
  const jobs = jobsOption(args, chosen.backend.kind);
  const plan = { methods, shots, seeds, config, classSplit: command.classSplit };
  const epochsUsed = Object.fromEntries(
    methods
      .filter((m) => m.training)
      .map((m) => [m.id, Object.fromEntries(shots.map((k) => [k, config.epochs ?? benchEpochs(m, k)]))]),
  );
  const shards = shardTasks(infos, jobs);
  process.stderr.write(
    `${gridRuns({ ...plan, tasks: infos }).length} runs in ${shards.length} process(es) on ` +
      `${chosen.backend.name} (${chosen.reason}); epochs ${JSON.stringify(epochsUsed)}\n`,
  );
  let report: GridReport;
  if (shards.length > 1) {
    if (chosen.backend.kind === 'webgpu') chosen.backend.destroy();
    // The processes were told the backend; why it was chosen is this one's to say.
    const cells = await runInProcesses(args, command, shards, chosen.backend.kind);
    report = { backend: chosen.backend.name, backendReason: chosen.reason, adapter: chosen.adapter, cells };
  } else {
    report = await runHere(args, infos, tasksDir, plan, chosen);
  }
  const { cells } = report;
  const seconds = (performance.now() - started) / 1000;
  const summary = summarizeGrid(cells);
  const methodIds = methods.map((m) => m.id);
  const taskNames = infos.map((t) => t.name);
  return {
    ...report,
    jobs: shards.length,
    tasks: taskNames,
    methods: methodIds,
    /** Chosen but left out: base-to-novel needs a method that scores unseen classes. */
    notApplicable,
    shots,
    seeds,
    epochs: epochsUsed,
    epochReasons: Object.fromEntries(Object.entries(BENCH_EPOCHS).map(([id, e]) => [id, e?.why])),
    seconds,
    loadAverage: { start: loadAtStart, end: loadavg()[0] as number },
    summary,
    cells,
  };
}

export type GridCommandResult = Awaited<ReturnType<typeof runGridCommand>>;

/** The lines every grid command starts its report with: backend, tasks, seeds, epochs. */
export function gridHeader(result: GridCommandResult): string[] {
  const { shots, epochs } = result;
  return [
    `backend: ${result.backend} (${result.backendReason}); WebGPU adapter: ${adapterName(result.adapter)}`,
    `${result.tasks.length} tasks (${result.tasks.join(', ')}), seeds ${result.seeds.join(',')}; epochs: ` +
      Object.entries(epochs)
        .map(([id, byShots]) => `${id} ${shots.map((k) => byShots[k]).join('/')}`)
        .join(', '),
  ];
}

/** The line every grid command ends its report with: runs, time, load. */
export function gridFooter(result: GridCommandResult): string {
  const { loadAverage } = result;
  return (
    `${result.cells.length} runs in ${formatDuration(result.seconds)} (${result.jobs} process(es)); load average ` +
    `${loadAverage.start.toFixed(1)} at the start, ${loadAverage.end.toFixed(1)} at the end`
  );
}

/** Writes `--out` and prints the result (all of it with --json, else `lines`). */
export async function reportGrid(args: ParsedArgs, result: object, lines: () => string[]): Promise<void> {
  const out = stringOption(args, 'out');
  if (out !== undefined) await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  emit(args.options.has('json'), result, () => lines().join('\n'));
}

export async function benchAccuracy(args: ParsedArgs): Promise<number> {
  const grid = await runGridCommand(args, { name: 'accuracy', defaultShots: [4, 16] });
  const { summary, shots, tasks: taskNames, methods: methodIds } = grid;
  const checks = orderingChecks(summary.average, Math.max(...shots));
  const result = { ...grid, checks };
  await reportGrid(args, result, () => [
    ...gridHeader(grid),
    '',
    `test accuracy %, mean ± std over seeds of the average over ${taskNames.length} tasks:`,
    averageTable(summary, methodIds, shots),
    ...shots.flatMap((k) => [
      '',
      `${k} shots per task (mean ± std over seeds):`,
      perTaskTable(summary, taskNames, methodIds, k),
    ]),
    '',
    ...checks.map(
      (c) => `${c.holds ? 'holds  ' : 'FAILS  '} ${c.claim} (${c.left.toFixed(1)} vs ${c.right.toFixed(1)})`,
    ),
    '',
    gridFooter(grid),
  ]);
  return 0;
}
