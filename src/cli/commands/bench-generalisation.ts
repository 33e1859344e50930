/**
 * `prompt-studio bench generalisation`: CoCoOp's base-to-novel protocol over the target packs — every
 * method that can score unseen classes trained on the first half of each task's classes (16 shots, seeds
 * 1–3 by default) and tested on both halves with their own names — printing base, novel and harmonic-mean
 * accuracy per method, per task, and whether the papers' directions hold.
 */
import type { MethodId } from '../../methods/method';
import type { AverageRow, TaskRow } from '../../sessions/accuracy-grid';
import type { ParsedArgs } from '../args';
import { table } from '../output';
import { classSplitOption } from '../training-options';
import { gridFooter, gridHeader, reportGrid, runGridCommand } from './bench-accuracy';

const percent = (x: number) => (100 * x).toFixed(1);
const spread = (s: { mean: number; std: number }) => `${percent(s.mean)} ± ${percent(s.std)}`;

export interface DirectionCheck {
  claim: string;
  holds: boolean;
  left: number;
  right: number;
}

/**
 * The directions CoCoOp's Table 1 and its successors report on ViT-B/16: CoOp's novel accuracy falls below
 * zero-shot CLIP's; CoCoOp and KgCoOp keep more of it than CoOp; every method's harmonic mean is judged
 * against zero-shot's.
 */
function directionChecks(average: readonly AverageRow[], shots: number): DirectionCheck[] {
  const at = (method: MethodId) =>
    average.find((r) => r.method === method && (r.shots === shots || r.shots === 0))?.novel;
  const checks: DirectionCheck[] = [];
  const compare = (claim: string, left: MethodId, right: MethodId, figure: 'novel' | 'hm') => {
    const [a, b] = [at(left), at(right)];
    if (!a || !b) return;
    const pick = (n: NonNullable<typeof a>) =>
      100 * (figure === 'novel' ? n.novelAccuracy : n.harmonicMean).mean;
    const [x, y] = [pick(a), pick(b)];
    checks.push({ claim, holds: x > y, left: x, right: y });
  };
  compare('zero-shot novel > coop novel', 'zero-shot', 'coop', 'novel');
  compare('cocoop novel > coop novel', 'cocoop', 'coop', 'novel');
  compare('kgcoop novel > coop novel', 'kgcoop', 'coop', 'novel');
  for (const method of ['cocoop', 'kgcoop', 'upt', 'mudpt'] as const)
    compare(`${method} HM > coop HM`, method, 'coop', 'hm');
  return checks;
}

function figures(row: AverageRow | TaskRow | undefined): string[] {
  if (!row?.novel) return ['-', '-', '-'];
  return [spread(row.testAccuracy), spread(row.novel.novelAccuracy), spread(row.novel.harmonicMean)];
}

export async function benchGeneralisation(args: ParsedArgs): Promise<number> {
  const grid = await runGridCommand(args, {
    name: 'generalisation',
    classSplit: classSplitOption(args),
    defaultShots: [16],
  });
  const { summary, shots, tasks, methods } = grid;
  const k = Math.max(...shots);
  const checks = directionChecks(summary.average, k);
  const row = <Row extends AverageRow | TaskRow>(rows: readonly Row[], method: MethodId, task?: string) =>
    rows.find(
      (r) =>
        r.method === method &&
        (r.shots === k || r.shots === 0) &&
        (task === undefined || ('task' in r && r.task === task)),
    );
  await reportGrid(args, { ...grid, checks }, () => [
    ...gridHeader(grid),
    '',
    `base-to-novel at ${k} shots: test accuracy %, mean ± std over seeds of the average over ${tasks.length} tasks ` +
      '(HM: the harmonic mean of the base and novel averages):',
    table(
      ['method', 'base', 'novel', 'HM'],
      [
        ...methods.map((method) => [method, ...figures(row(summary.average, method))]),
        ...grid.notApplicable.map((method) => [method, 'n/a', 'n/a', 'n/a']),
      ],
    ),
    ...(grid.notApplicable.length > 0
      ? [`n/a: ${grid.notApplicable.join(', ')} cannot score classes it never trained on (weights per class)`]
      : []),
    '',
    'harmonic mean per task (mean ± std over seeds):',
    table(
      ['task', ...methods],
      tasks.map((task) => [
        task,
        ...methods.map((method) => {
          const found = row(summary.perTask, method, task);
          return found?.novel ? spread(found.novel.harmonicMean) : '-';
        }),
      ]),
    ),
    '',
    ...checks.map(
      (c) => `${c.holds ? 'holds  ' : 'FAILS  '} ${c.claim} (${c.left.toFixed(1)} vs ${c.right.toFixed(1)})`,
    ),
    '',
    gridFooter(grid),
  ]);
  return 0;
}
