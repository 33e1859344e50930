/**
 * `prompt-studio bench multitask`: MVLPT's and SoftCPT's comparisons on the shipped source and target packs
 * (src/sessions/multitask-bench.ts), test accuracy averaged over the targets, mean ± std over seeds, and
 * whether each paper's direction holds. Progress goes to stderr.
 *
 * --parts coop,vpt,upt,groups,softcpt   which comparisons (all by default)
 * --shots 1,4   --group-shots 4   --seeds 1,2,3   --jobs N   --epochs E (every method)   --out FILE
 *
 * With several jobs the parts are shared among processes (the CPU backend uses one core per process);
 * `groups` stays with `coop` so that both start from the same source prompts.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { meanAndStd } from '../../common/statistics';
import {
  BENCH_PARTS,
  type BenchPart,
  type BenchRow,
  type BenchVariant,
  MULTITASK_BENCH_EPOCHS,
  PART_METHOD,
  runMultitaskBench,
} from '../../sessions/multitask-bench';
import { loadFrozenClip } from '../../train/frozen-clip';
import type { TaskData } from '../../train/task-data';
import { numberOption, type ParsedArgs, stringOption, UsageError } from '../args';
import { adapterName, backendChoice, openChosenBackend } from '../backend-choice';
import { countsOption, readTaskIndex, SHIPPED_TASKS_DIR } from '../bench-options';
import { jobsOption, passedOptions, runJsonJobs } from '../child-jobs';
import { emit, table } from '../output';
import { readTask } from '../studio-inputs';
import { formatDuration, trainingOverrides } from '../training-options';
import { loadModel } from './zero-shot';

/** Each part's minutes on one core at the default settings, estimated from measured step times: how jobs are balanced. */
const PART_COST: Readonly<Record<BenchPart, number>> = { vpt: 20, upt: 20, coop: 8, groups: 8, softcpt: 5 };

function chooseParts(args: ParsedArgs): BenchPart[] {
  const text = stringOption(args, 'parts');
  if (text === undefined) return [...BENCH_PARTS];
  return text.split(',').map((name) => {
    const part = BENCH_PARTS.find((p) => p === name.trim());
    if (!part) throw new UsageError(`--parts: ${name} is not one of ${BENCH_PARTS.join(', ')}`);
    return part;
  });
}

/** Parts into `jobs` groups of about equal cost, coop and groups together (they share source prompts). */
export function shareParts(parts: readonly BenchPart[], jobs: number): BenchPart[][] {
  const units: BenchPart[][] = [];
  for (const part of parts) {
    const partner = part === 'groups' ? 'coop' : part === 'coop' ? 'groups' : null;
    const unit = partner ? units.find((u) => u.includes(partner)) : undefined;
    if (unit) unit.push(part);
    else units.push([part]);
  }
  const cost = (unit: readonly BenchPart[]) => unit.reduce((sum, p) => sum + PART_COST[p], 0);
  const bins: BenchPart[][] = Array.from({ length: Math.min(jobs, units.length) }, () => []);
  for (const unit of [...units].sort((a, b) => cost(b) - cost(a))) {
    const lightest = bins.reduce((best, bin) => (cost(bin) < cost(best) ? bin : best));
    lightest.push(...unit);
  }
  return bins;
}

interface JobReport {
  backend: string;
  rows: BenchRow[];
}

async function readPacks(dir: string, names: readonly string[], classes: Map<string, string[]>) {
  const tasks: TaskData[] = [];
  for (const name of names) {
    const { task, skipped } = await readTask(join(dir, name), classes.get(name));
    for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    tasks.push(task);
  }
  return tasks;
}

interface Comparison {
  label: string;
  claim: string;
  shots: number;
  left: { variant: BenchVariant; part: BenchPart };
  right: { variant: BenchVariant; part: BenchPart };
}

function comparisons(shots: readonly number[], groupShots: number): Comparison[] {
  const initialisation = (['coop', 'vpt', 'upt'] as const).flatMap((part) =>
    shots.map((k) => ({
      label: `${part}: multitask vs random init`,
      claim: `M${part === 'coop' ? 'CoOp' : part.toUpperCase()} > ${part === 'coop' ? 'CoOp' : part.toUpperCase()} at ${k} shots (MVLPT Table 1)`,
      shots: k,
      left: { variant: 'multitask' as const, part },
      right: { variant: 'random' as const, part },
    })),
  );
  return [
    ...initialisation,
    {
      label: 'MCoOp: best vs worst groups',
      claim: `best groups > worst groups at ${groupShots} shots (MVLPT Table 3)`,
      shots: groupShots,
      left: { variant: 'best-groups', part: 'groups' },
      right: { variant: 'worst-groups', part: 'groups' },
    },
    ...shots.map((k) => ({
      label: 'SoftCPT vs per-task CoOp',
      claim: `SoftCPT > per-task CoOp at ${k} shots (SoftCPT)`,
      shots: k,
      left: { variant: 'softcpt' as const, part: 'softcpt' as const },
      right: { variant: 'random' as const, part: 'coop' as const },
    })),
  ];
}

/** Mean ± std over seeds of the per-seed averages over targets; null if no row matches. */
function seedSpread(rows: readonly BenchRow[], part: BenchPart, variant: BenchVariant, shots: number) {
  const matching = rows.filter((r) => r.part === part && r.variant === variant && r.shots === shots);
  return matching.length === 0 ? null : meanAndStd(matching.map((r) => r.average));
}

const pct = (x: number) => (100 * x).toFixed(1);
const spread = (s: { mean: number; std: number } | null) => (s ? `${pct(s.mean)} ± ${pct(s.std)}` : '-');

export async function benchMultitask(args: ParsedArgs): Promise<number> {
  const json = args.options.has('json');
  const parts = chooseParts(args);
  const shots = countsOption(args, 'shots', [1, 4], 1);
  const groupShots = numberOption(args, 'group-shots', 4);
  const seeds = countsOption(args, 'seeds', [1, 2, 3], 0);
  const config = trainingOverrides(args);
  const tasksDir = stringOption(args, 'tasks-dir') ?? SHIPPED_TASKS_DIR;
  const index = await readTaskIndex(tasksDir);
  const sourceNames = index.filter((t) => t.role === 'source').map((t) => t.name);
  const targetNames = index.filter((t) => t.role === 'target').map((t) => t.name);
  const started = performance.now();
  const loadAtStart = loadavg()[0] as number;
  const chosen = await openChosenBackend(backendChoice(args, 'auto'));
  const jobs = jobsOption(args, chosen.backend.kind);
  const shares = shareParts(parts, jobs);
  process.stderr.write(
    `parts ${shares.map((s) => s.join('+')).join(' | ')} on ${chosen.backend.name} (${chosen.reason})\n`,
  );

  let rows: BenchRow[];
  if (shares.length > 1) {
    if (chosen.backend.kind === 'webgpu') chosen.backend.destroy();
    const passed = passedOptions(args, ['parts', 'jobs', 'json', 'cpu', 'backend', 'out']);
    const reports = await runJsonJobs<JobReport>(
      shares.map((share) => [
        'bench',
        'multitask',
        ...passed,
        '--parts',
        share.join(','),
        '--jobs',
        '1',
        '--backend',
        chosen.backend.kind,
        '--json',
      ]),
    );
    rows = reports.flatMap((r) => r.rows);
  } else {
    const classes = new Map(index.map((t) => [t.name, t.classes]));
    const clip = loadFrozenClip(await loadModel(stringOption(args, 'model') ?? 'embedded'), chosen.backend);
    const setting = {
      clip,
      sources: await readPacks(tasksDir, sourceNames, classes),
      targets: await readPacks(tasksDir, targetNames, classes),
      shots,
      seeds,
      groupShots,
      config,
    };
    rows = await runMultitaskBench(setting, parts, (line) => {
      const elapsed = formatDuration((performance.now() - started) / 1000);
      process.stderr.write(`[${elapsed}] ${line}\n`);
    });
  }

  const seconds = (performance.now() - started) / 1000;
  const checks = comparisons(shots, groupShots).flatMap((c) => {
    const left = seedSpread(rows, c.left.part, c.left.variant, c.shots);
    const right = seedSpread(rows, c.right.part, c.right.variant, c.shots);
    return left && right
      ? [{ ...c, leftAccuracy: left, rightAccuracy: right, holds: left.mean > right.mean }]
      : [];
  });
  const result = {
    backend: chosen.backend.name,
    backendReason: chosen.reason,
    adapter: chosen.adapter,
    jobs: shares.length,
    parts,
    sources: sourceNames,
    targets: targetNames,
    shots,
    groupShots,
    seeds,
    epochs: Object.fromEntries(
      parts.map((p) => [p, config.epochs ?? MULTITASK_BENCH_EPOCHS[PART_METHOD[p]]?.epochs ?? null]),
    ),
    epochReasons: Object.fromEntries(Object.entries(MULTITASK_BENCH_EPOCHS).map(([id, e]) => [id, e?.why])),
    seconds,
    loadAverage: { start: loadAtStart, end: loadavg()[0] as number },
    checks,
    rows,
  };
  const out = stringOption(args, 'out');
  if (out !== undefined) await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  emit(json, result, () => report(result, rows, targetNames));
  return 0;
}

function report(
  result: {
    backend: string;
    backendReason: string;
    adapter: Parameters<typeof adapterName>[0];
    sources: string[];
    targets: string[];
    shots: number[];
    groupShots: number;
    seeds: number[];
    epochs: Record<string, number | null>;
    seconds: number;
    jobs: number;
    loadAverage: { start: number; end: number };
    checks: (Comparison & {
      leftAccuracy: { mean: number; std: number };
      rightAccuracy: { mean: number; std: number };
      holds: boolean;
    })[];
  },
  rows: readonly BenchRow[],
  targets: readonly string[],
): string {
  const variants = [...new Set(rows.map((r) => `${r.part}|${r.variant}|${r.shots}`))].map((key) => {
    const [part, variant, k] = key.split('|') as [BenchPart, BenchVariant, string];
    return { part, variant, shots: Number(k) };
  });
  const perTarget = (v: (typeof variants)[number], task: string) => {
    const values = rows
      .filter((r) => r.part === v.part && r.variant === v.variant && r.shots === v.shots)
      .flatMap((r) => r.perTarget.filter((t) => t.task === task).map((t) => t.accuracy));
    return values.length ? pct(meanAndStd(values).mean) : '-';
  };
  return [
    `backend: ${result.backend} (${result.backendReason}); WebGPU adapter: ${adapterName(result.adapter)}`,
    `sources: ${result.sources.join(', ')}`,
    `targets: ${result.targets.join(', ')}; seeds ${result.seeds.join(',')}; epochs ${JSON.stringify(result.epochs)}`,
    '',
    'test accuracy %, mean ± std over seeds of the average over the targets:',
    table(
      ['part', 'variant', 'shots', 'average'],
      variants.map((v) => [
        v.part,
        v.variant,
        String(v.shots),
        spread(seedSpread(rows, v.part, v.variant, v.shots)),
      ]),
    ),
    '',
    'per target (mean over seeds):',
    table(
      ['target', ...variants.map((v) => `${v.part} ${v.variant} ${v.shots}`)],
      targets.map((task) => [task, ...variants.map((v) => perTarget(v, task))]),
    ),
    '',
    ...result.checks.map(
      (c) =>
        `${c.holds ? 'holds  ' : 'FAILS  '} ${c.claim}: ${spread(c.leftAccuracy)} vs ${spread(c.rightAccuracy)}`,
    ),
    '',
    `${rows.length} rows in ${formatDuration(result.seconds)} (${result.jobs} process(es)); load average ` +
      `${result.loadAverage.start.toFixed(1)} at the start, ${result.loadAverage.end.toFixed(1)} at the end`,
  ].join('\n');
}
