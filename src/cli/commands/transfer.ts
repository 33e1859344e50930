/**
 * `prompt-studio transfer --method M --tasks DIR,DIR,… --shots K --out matrix.json [--csv m.csv] [--resume]`:
 * the task-transferability matrix (src/multitask/transfer-run.ts): each task's prompt trained alone, then
 * applied to every other task with no further training; each target's column normalised by its best score,
 * and each target's best one and two sources suggested as the tasks to learn it with.
 *
 * The work so far is kept in a state file (`--state FILE`, default matrix.state.json beside --out) written
 * after every trained prompt and every cell: Ctrl-C (or a crash) loses at most the cell in progress, and
 * `--resume` continues from the state without redoing anything. A state can also serve a study over more
 * tasks: the prompts and cells they share are reused. The matrix JSON (and CSV) are written at the end, or
 * with what was measured when the run is stopped.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { MethodDefinition } from '../../methods/method';
import {
  type GroupSuggestion,
  matrixCsv,
  normaliseByTarget,
  suggestGroups,
} from '../../multitask/transfer-matrix';
import { runTransfer, type TransferEvent } from '../../multitask/transfer-run';
import { parseTransferState, serializeTransferState } from '../../multitask/transfer-state';
import { TrainingControl } from '../../train/training-control';
import { numberOption, type ParsedArgs, requiredOption, stringOption, UsageError } from '../args';
import { readTaskList, trainableMethod } from '../multitask-output';
import { emit, table } from '../output';
import { openModel } from '../studio-inputs';
import { formatDuration, parseHyperparameters, percent, trainingOverrides } from '../training-options';
import { cancelOnInterrupt } from './train-tasks';

export const TRANSFER_FORMAT = 'prompt-studio.transfer';

/** Methods whose prompt does not depend on the class list, so it can be applied to another task. */
export function transferableMethod(args: ParsedArgs): MethodDefinition {
  return trainableMethod(args, (definition) => definition.transferable);
}

function statePath(args: ParsedArgs, out: string): string {
  return stringOption(args, 'state') ?? `${out.replace(/\.json$/, '')}.state.json`;
}

/** Writes beside and renames, so an interrupted write never leaves half a state. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.partial`, text);
  await rename(`${path}.partial`, path);
}

export async function transfer(args: ParsedArgs): Promise<number> {
  const definition = transferableMethod(args);
  const out = requiredOption(args, 'out', 'FILE (the matrix as JSON)');
  const csv = stringOption(args, 'csv');
  const state = statePath(args, out);
  const resume = args.options.has('resume');
  if (existsSync(state) && !resume) {
    throw new UsageError(
      `${state} holds an earlier run: pass --resume to continue it, or remove it to start over`,
    );
  }
  const tasks = await readTaskList(args, 'tasks');
  if (tasks.length < 2) throw new UsageError('--tasks needs at least two task folders');
  const shots = numberOption(args, 'shots', 16);
  const seed = numberOption(args, 'seed', 1);
  const config = trainingOverrides(args);
  const hyperparameters = parseHyperparameters(stringOption(args, 'hyper'));
  const saved = resume && existsSync(state) ? parseTransferState(await readFile(state, 'utf8')) : null;
  const { clip, identity } = await openModel(args);
  const started = performance.now();
  const control = new TrainingControl();
  const stopListening = cancelOnInterrupt(control, `the state is saved in ${state}; rerun with --resume`);
  const outcome = await runTransfer(
    { clip, model: identity.sha256, method: definition, hyperparameters, tasks, shots, seed, config },
    saved,
    {
      control,
      onEvent: transferProgress(),
      onState: (s) => writeAtomically(state, serializeTransferState(s)),
    },
  ).finally(stopListening);
  const seconds = (performance.now() - started) / 1000;

  const { matrix } = outcome;
  const normalised = normaliseByTarget(matrix.accuracy);
  const complete = matrix.accuracy.every((row) => row.every((v) => v !== null));
  const suggestions = complete ? suggestGroups(matrix) : [];
  const { hyperparameters: resolved, config: recipe } = outcome.state;
  const result = {
    format: TRANSFER_FORMAT,
    model: identity,
    method: definition.id,
    hyperparameters: resolved,
    shots,
    seed,
    config: recipe,
    tasks: matrix.tasks,
    complete,
    accuracy: matrix.accuracy,
    normalised,
    suggestions,
    state,
    seconds,
  };
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (csv !== undefined) await writeFile(csv, matrixCsv(matrix.tasks, normalised));
  emit(args.options.has('json'), result, () =>
    report(result.tasks, normalised, suggestions, complete, seconds, [out, csv]),
  );
  return outcome.status === 'cancelled' ? 1 : 0;
}

function transferProgress(): (event: TransferEvent) => void {
  return (event) => {
    if (event.type === 'training' && event.event.type === 'epoch') {
      const { epoch, epochs, trainLoss, valAccuracy } = event.event;
      if (epoch + 1 === epochs || epoch % Math.ceil(epochs / 5) === 0) {
        process.stderr.write(
          `${event.source}: epoch ${epoch + 1}/${epochs}  loss ${trainLoss.toFixed(4)}  val ${percent(valAccuracy)}%\n`,
        );
      }
    } else if (event.type === 'prompt') {
      process.stderr.write(
        `${event.source}: prompt trained, ${percent(event.testAccuracy)}% on its own test set\n`,
      );
    } else if (event.type === 'cell' && event.source !== event.target) {
      process.stderr.write(
        `${event.source} → ${event.target}: ${percent(event.accuracy)}%  (${event.done}/${event.total} cells)\n`,
      );
    }
  };
}

function report(
  tasks: readonly string[],
  normalised: readonly (readonly (number | null)[])[],
  suggestions: readonly GroupSuggestion[],
  complete: boolean,
  seconds: number,
  written: readonly (string | undefined)[],
): string {
  const score = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(2));
  return [
    'transferability (rows: source prompt, columns: target task; each column divided by its best)',
    '',
    table(
      ['source \\ target', ...tasks],
      tasks.map((source, s) => [source, ...tasks.map((_, t) => score(normalised[s]?.[t]))]),
    ),
    '',
    ...(complete
      ? [
          table(
            ['target', 'top-1 group', 'top-2 group'],
            suggestions.map((g) => [g.target, g.top1.join('+'), g.top2.join('+')]),
          ),
        ]
      : ['stopped before every cell was measured: rerun with --resume to finish']),
    '',
    `${formatDuration(seconds)}; wrote ${written.filter((w) => w !== undefined).join(', ')}`,
  ].join('\n');
}
