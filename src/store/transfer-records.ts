/**
 * The Transfer panel's stored matrices (StoredMatrix, records.ts) as they fill in: a record is written after
 * every measured cell, with the worker's serialised state, so a reload or a cancel keeps every finished
 * cell and a resume redoes none. Pure functions of plain records: the store slice does the IndexedDB glue.
 */
import { METHOD_CATALOG, type MethodEntry } from '../methods/catalog';
import type { MethodId } from '../methods/method';
import {
  type GroupSuggestion,
  normaliseByTarget,
  suggestGroups,
  type TransferMatrix,
} from '../multitask/transfer-matrix';
import { transferStateSettings } from '../multitask/transfer-state-json';
import type { StoredMatrix } from '../persistence/records';

/** What the Transfer panel offers: the methods whose prompt carries to another task's classes. */
export const TRANSFER_METHODS: readonly MethodEntry[] = METHOD_CATALOG.filter((entry) => entry.transferable);

/** The format the CLI's `transfer --out` writes, which `multitask --matrix` reads back. */
export const TRANSFER_EXPORT_FORMAT = 'prompt-studio.transfer';

export function emptyMatrix(settings: {
  id: string;
  method: MethodId;
  tasks: readonly string[];
  shots: number;
  seed: number;
  createdAt: number;
}): StoredMatrix {
  const empty = settings.tasks.map(() => settings.tasks.map(() => null));
  return {
    ...settings,
    tasks: [...settings.tasks],
    accuracy: empty,
    normalised: empty,
    state: '',
    complete: false,
  };
}

/** The record with `accuracy` over its tasks (rows: sources, columns: targets) and the state it came from. */
export function withAccuracy(
  matrix: StoredMatrix,
  accuracy: readonly (readonly (number | null)[])[],
  state: string,
): StoredMatrix {
  const rows = accuracy.map((row) => [...row]);
  return {
    ...matrix,
    accuracy: rows,
    normalised: normaliseByTarget(rows),
    state,
    complete: rows.every((row) => row.every((v) => v !== null)),
  };
}

/** The record with one more measured cell, named by task. */
export function withCell(
  matrix: StoredMatrix,
  cell: { source: string; target: string; accuracy: number; state: string },
): StoredMatrix {
  const s = matrix.tasks.indexOf(cell.source);
  const t = matrix.tasks.indexOf(cell.target);
  if (s < 0 || t < 0) throw new Error(`the matrix has no cell ${cell.source} → ${cell.target}`);
  const accuracy = matrix.accuracy.map((row, i) =>
    i === s ? row.map((v, j) => (j === t ? cell.accuracy : v)) : row,
  );
  return withAccuracy(matrix, accuracy, cell.state);
}

export function transferMatrix(matrix: StoredMatrix): TransferMatrix {
  return { tasks: matrix.tasks, accuracy: matrix.accuracy };
}

/** Groups only from a complete matrix: a ranking over missing cells would suggest by chance of order. */
export function matrixSuggestions(matrix: StoredMatrix): GroupSuggestion[] {
  return matrix.complete ? suggestGroups(transferMatrix(matrix)) : [];
}

/** The JSON the Export button downloads; the CLI's `multitask --matrix FILE` takes it. */
export function matrixExport(matrix: StoredMatrix, model: string | null): string {
  const document = {
    format: TRANSFER_EXPORT_FORMAT,
    model,
    method: matrix.method,
    shots: matrix.shots,
    seed: matrix.seed,
    tasks: matrix.tasks,
    complete: matrix.complete,
    accuracy: matrix.accuracy,
    normalised: matrix.normalised,
    suggestions: matrixSuggestions(matrix),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The epochs the matrix's prompts trained for, from its state; null before its first prompt is stored. */
export function matrixEpochs(matrix: StoredMatrix): number | null {
  return matrix.state ? transferStateSettings(matrix.state).config.epochs : null;
}
