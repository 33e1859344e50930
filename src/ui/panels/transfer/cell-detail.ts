/** What the details of one transfer-matrix cell show, derived from the matrix alone. */
import { normaliseByTarget, type TransferMatrix } from '../../../multitask/transfer-matrix';

export interface CellDetail {
  source: string;
  target: string;
  /** Top-1 on the target's test set of the source's prompt; null until measured. */
  raw: number | null;
  normalised: number | null;
  /** 1 for the best source on this target; ties share a rank. null until measured. */
  rank: number | null;
  /** How many sources are measured on this target (the ranking's length). */
  ranked: number;
  /** The target's best source and its score, the cell every column is divided by. */
  best: { source: string; raw: number } | null;
  /** The target's own prompt: the run's own test accuracy. */
  diagonal: boolean;
}

export function cellDetail(matrix: TransferMatrix, s: number, t: number): CellDetail {
  const source = matrix.tasks[s];
  const target = matrix.tasks[t];
  if (source === undefined || target === undefined)
    throw new Error(`the matrix has no cell (${s}, ${t}): it has ${matrix.tasks.length} tasks`);
  const column = matrix.accuracy.map((row) => row[t] ?? null);
  const raw = column[s] ?? null;
  const measured = column.flatMap((v, i) =>
    v === null ? [] : [{ source: matrix.tasks[i] as string, raw: v }],
  );
  // The first best in task order, as rankSources orders ties.
  const best = measured.reduce<CellDetail['best']>((top, m) => (top && top.raw >= m.raw ? top : m), null);
  return {
    source,
    target,
    raw,
    normalised: normaliseByTarget(matrix.accuracy)[s]?.[t] ?? null,
    rank: raw === null ? null : 1 + measured.filter((m) => m.raw > raw).length,
    ranked: measured.length,
    best,
    diagonal: s === t,
  };
}
