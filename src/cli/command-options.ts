/**
 * The options each command takes, declared in one place so that an option a command does not take is
 * refused before anything runs (a misspelt `--ephocs 5` would otherwise train with the default epochs),
 * with the nearest option it does take named.
 */
import { type ParsedArgs, UsageError } from './args';

/** Every command's output and backend flags. */
const COMMON = ['json', 'cpu', 'help'] as const;
/** trainingOverrides (training-options.ts). */
const TRAINING = ['epochs', 'lr', 'batch-size', 'optimizer', 'weight-decay', 'warmup-epochs', 'no-augment'];
/** The benchmarks' backend choice and process split (backend-choice.ts, child-jobs.ts). */
const BENCH = ['backend', 'jobs'];
/** The accuracy grid's commands (bench-accuracy.ts runGridCommand). */
const GRID = [...BENCH, ...TRAINING, 'shots', 'seeds', 'tasks', 'tasks-dir', 'methods', 'model', 'out'];

export const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'check engine': [],
  'check clip': ['model'],
  'check methods': ['model', 'fixtures'],
  'bench kernels': ['quick', 'shapes', 'variant'],
  'bench step': ['backend', 'dims', 'steps', 'warmup', 'task', 'methods'],
  'bench accuracy': GRID,
  'bench generalisation': [...GRID, 'class-split'],
  'bench multitask': [
    ...BENCH,
    ...TRAINING,
    'parts',
    'shots',
    'group-shots',
    'seeds',
    'tasks-dir',
    'model',
    'out',
  ],
  fingerprint: [],
  'zero-shot': ['model', 'task', 'tasks', 'template', 'templates', 'split', 'backend'],
  train: [
    ...TRAINING,
    'method',
    'task',
    'tasks',
    'model',
    'shots',
    'seeds',
    'hyper',
    'out',
    'cached-views',
    'sampling',
    'base-to-novel',
    'class-split',
  ],
  multitask: [
    ...TRAINING,
    'method',
    'source',
    'targets',
    'model',
    'shots',
    'seeds',
    'groups',
    'group-size',
    'matrix',
    'source-epochs',
    'sampling',
    'hyper',
  ],
  transfer: [
    ...TRAINING,
    'method',
    'tasks',
    'model',
    'shots',
    'seed',
    'hyper',
    'out',
    'csv',
    'state',
    'resume',
  ],
  eval: ['prompts', 'task', 'model'],
  predict: ['prompts', 'model', 'top-k'],
};

/** Edit distance with adjacent transpositions counted as one edit (`ephocs` is two from `epochs`). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (rows[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The option of `known` nearest to `name` (the first of equals, in declaration order). */
export function nearestOption(name: string, known: readonly string[]): string | undefined {
  let nearest: string | undefined;
  let distance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < distance) [nearest, distance] = [candidate, d];
  }
  return nearest;
}

/** Throws a UsageError for the first option `command` does not take, naming the nearest one it does. */
export function checkOptions(command: string, args: ParsedArgs): void {
  const known = [...(COMMAND_OPTIONS[command] ?? []), ...COMMON];
  for (const name of args.options.keys()) {
    if (known.includes(name)) continue;
    const nearest = nearestOption(name, known);
    throw new UsageError(`unknown option --${name} for ${command}; did you mean --${nearest}?`);
  }
}
