/** The training options the train, multitask and transfer commands share, and how they print numbers. */
import type { Hyperparameters, HyperValue } from '../methods/method';
import type { ClassSplit } from '../train/base-to-novel';
import type { TrainingConfig } from '../train/trainer';
import { numberOption, type ParsedArgs, stringOption, UsageError } from './args';

export const percent = (x: number | null | undefined) =>
  x === null || x === undefined ? '-' : (100 * x).toFixed(1);

export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new UsageError(`--seeds must be whole numbers separated by commas, got ${text}`);
  }
  return seeds;
}

export function trainingOverrides(args: ParsedArgs): Partial<TrainingConfig> {
  const optional = (name: string) => (args.options.has(name) ? numberOption(args, name, 0) : undefined);
  const optimizer = stringOption(args, 'optimizer');
  if (optimizer !== undefined && optimizer !== 'sgd' && optimizer !== 'adamw') {
    throw new UsageError(`--optimizer must be sgd or adamw, got ${optimizer}`);
  }
  const given = {
    optimizer,
    epochs: optional('epochs'),
    learningRate: optional('lr'),
    batchSize: optional('batch-size'),
    weightDecay: optional('weight-decay'),
    warmupEpochs: optional('warmup-epochs'),
    augment: args.options.has('no-augment') ? false : undefined,
  };
  // Only what was given: a key holding undefined would override a default when spread over it.
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

/**
 * `--class-split first-half|N`: how base-to-novel splits a task's classes. first-half (the default) is
 * CoCoOp's; a whole number draws the base half with that seed.
 */
export function classSplitOption(args: ParsedArgs): ClassSplit {
  const text = stringOption(args, 'class-split') ?? 'first-half';
  if (text === 'first-half') return text;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`--class-split takes first-half or a whole-number seed, got ${text}`);
  return { seed };
}

/** `--hyper n_ctx=8,csc=true`: numbers and true/false are typed, anything else is text. */
export function parseHyperparameters(text: string | undefined): Hyperparameters | undefined {
  if (text === undefined) return undefined;
  const values: Record<string, HyperValue> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--hyper takes key=value pairs separated by commas, got ${pair}`);
    const raw = pair.slice(eq + 1);
    const key = pair.slice(0, eq).trim();
    values[key] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  return values;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
