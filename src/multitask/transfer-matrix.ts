/**
 * The task-transferability matrix (MVLPT §4.3): entry [s][t] is the test accuracy on target task t of the
 * prompt trained on source task s alone, applied with no further training. Each target's column is divided
 * by the best score any source reaches on that target, so columns compare across targets of different
 * difficulty; the diagonal (a task's own prompt) is usually, not always, that best. From it, the sources
 * that transfer best to a target are the ones to learn it with: MVLPT groups each target with its top-1 or
 * top-2 sources ("Best M") and, for contrast, with the most dissimilar ones ("Worst M").
 */

export interface TransferMatrix {
  /** Task names; rows are sources and columns targets, in this order. */
  tasks: string[];
  /** accuracy[s][t], top-1 in [0, 1]; null where not measured (yet). */
  accuracy: (number | null)[][];
}

export interface RankedSource {
  source: string;
  /** The normalised score on the target. */
  score: number;
}

export interface GroupSuggestion {
  target: string;
  /** The other tasks by normalised score on the target, best first (ties in task order). */
  ranking: RankedSource[];
  /** The groups MVLPT trains for the target: with its best source, and with its best two. */
  top1: string[];
  top2: string[];
}

/** Each column divided by its best entry; null stays null, and a column that is all zero stays zero. */
export function normaliseByTarget(accuracy: readonly (readonly (number | null)[])[]): (number | null)[][] {
  const best = (t: number) => Math.max(0, ...accuracy.map((row) => row[t] ?? 0));
  const columns = accuracy[0]?.length ?? 0;
  const bests = Array.from({ length: columns }, (_, t) => best(t));
  return accuracy.map((row) =>
    row.map((value, t) =>
      value === null ? null : (bests[t] as number) > 0 ? value / (bests[t] as number) : 0,
    ),
  );
}

/**
 * The sources for `target` among `candidates` (default: every other task) by normalised score, best first
 * or, with `worst`, worst first; sources not measured on the target are left out.
 */
export function rankSources(
  matrix: TransferMatrix,
  target: string,
  options: { candidates?: readonly string[]; worst?: boolean } = {},
): RankedSource[] {
  const t = matrix.tasks.indexOf(target);
  if (t < 0) throw new Error(`the transferability matrix has no task ${target}`);
  const normalised = normaliseByTarget(matrix.accuracy);
  const candidates = options.candidates ?? matrix.tasks;
  const ranked: RankedSource[] = [];
  for (const source of candidates) {
    const s = matrix.tasks.indexOf(source);
    if (s < 0) throw new Error(`the transferability matrix has no task ${source}`);
    const score = normalised[s]?.[t];
    if (source !== target && score !== null && score !== undefined) ranked.push({ source, score });
  }
  // Array.prototype.sort is stable: equal scores keep the candidates' order.
  return ranked.sort((a, b) => (options.worst ? a.score - b.score : b.score - a.score));
}

/** For every target: its ranking of the other tasks and MVLPT's groups of 2 and 3. */
export function suggestGroups(matrix: TransferMatrix): GroupSuggestion[] {
  return matrix.tasks.map((target) => {
    const ranking = rankSources(matrix, target);
    const best = ranking.map((r) => r.source);
    return { target, ranking, top1: [target, ...best.slice(0, 1)], top2: [target, ...best.slice(0, 2)] };
  });
}

/** One row per source, one column per target; empty where not measured. */
export function matrixCsv(tasks: readonly string[], values: readonly (readonly (number | null)[])[]): string {
  const cell = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [
    ['source \\ target', ...tasks].map(cell).join(','),
    ...values.map((row, s) =>
      [cell(tasks[s] as string), ...row.map((v) => (v === null ? '' : v.toFixed(4)))].join(','),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
