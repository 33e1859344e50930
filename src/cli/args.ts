/** Parsed command line: positional words and `--name value` / `--flag` options. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) options.set(name, inline);
    else if (next !== undefined && !next.startsWith('--') && !BOOLEAN_FLAGS.has(name)) {
      options.set(name, next);
      i++;
    } else options.set(name, true);
  }
  return { positional, options };
}

/** Flags that never take a value, so `--json check` is not read as json=check. */
const BOOLEAN_FLAGS = new Set(['json', 'help', 'quick', 'cpu', 'no-augment', 'resume']);

export class UsageError extends Error {
  override name = 'UsageError';
}

export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isFinite(value)) throw new UsageError(`--${name} needs a number`);
  return value;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function requiredOption(args: ParsedArgs, name: string, what: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new UsageError(`--${name} ${what} is required`);
  return value;
}
