/**
 * The type and range of every method hyperparameter, and the model limits the ranges come from. Each one
 * that sizes an allocation (context tokens, prompt counts, depths, widths) is bounded by what the loaded
 * model can hold, and checked before any tensor is made: a prompt set asking for n_ctx 100000000 is refused
 * at once instead of building a prompt of a hundred million placeholder words. The same specs serve the
 * Train form (the limit as it is typed), the worker, the CLI and prompt-set import.
 */
import type { ClipConfig } from '../clip/config';
import type { ClipTokenizer } from '../clip/tokenizer';
import { shortened } from '../common/shortened';
import { CLASS_TOKEN_POSITIONS } from './class-token-position';
import type { Hyperparameters, HyperValue, MethodId, MethodTask } from './method';
import { taskPhrase } from './method-tasks';

/** What the ranges depend on: the model's sizes and the token lengths of the texts its prompts hold. */
export interface BoundsContext {
  /** The text tower's context, in tokens (77 for OpenAI's CLIPs, 32 for the embedded model). */
  textContext: number;
  /** Content tokens of the longest class name (CoOp's name_lens); 1 when not known yet. */
  longestClassName: number;
  /** Content tokens of the longest task phrase (SoftCPT's task prompts); 1 when not known yet. */
  longestTaskPhrase: number;
}

/** The start, "." and end tokens around a prompt's context and name: [SOS] ctx name . [EOT]. */
export const PROMPT_FRAME_TOKENS = 3;
/** VPT's largest prompt length is 200 (Jia et al., Table 13); more is memory, not accuracy. */
export const MAX_VISUAL_PROMPTS = 256;
/** Widths of UPT's shared block and MuDPT's injection model (both papers: 128). */
export const MAX_PROMPT_WIDTH = 4096;
/** Deep prompt depths are clamped to the towers' layers; beyond this a value is a typo. */
export const MAX_PROMPT_DEPTH = 128;
/** Templates and other text hyperparameters. */
export const MAX_TEXT_LENGTH = 2000;
/** Classes in a task or a prompt set (and so class-specific contexts, per-class heads). */
export const MAX_CLASSES = 1000;

type Spec =
  | { kind: 'integer'; min: number; max: (c: BoundsContext) => { value: number; why: string } }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'choice'; options: readonly string[] }
  | { kind: 'text' };

const fixed = (value: number, why: string) => () => ({ value, why });

/** n_ctx of a text prompt: it must fit the text context beside the longest class name. */
const textContext: Spec = {
  kind: 'integer',
  min: 1,
  max: (c) => ({
    value: c.textContext - PROMPT_FRAME_TOKENS - c.longestClassName,
    why:
      `the model's text context of ${c.textContext} tokens less ${c.longestClassName} for the longest ` +
      `class name and ${PROMPT_FRAME_TOKENS} for start, "." and end`,
  }),
};
const visualPrompts: Spec = {
  kind: 'integer',
  min: 1,
  max: fixed(MAX_VISUAL_PROMPTS, 'more visual prompts than VPT ever used'),
};
const classesPerPass: Spec = {
  kind: 'integer',
  min: 0,
  max: fixed(MAX_CLASSES, 'the most classes a task has'),
};
const width: Spec = { kind: 'integer', min: 1, max: fixed(MAX_PROMPT_WIDTH, 'the widest prompt block') };
const position: Spec = { kind: 'choice', options: CLASS_TOKEN_POSITIONS };

/**
 * By method id. A method missing here has its hyperparameters only typed by MethodSettings: a new method
 * adds its table with the method.
 */
const SPECS: Readonly<Record<string, Readonly<Record<string, Spec>>>> = {
  'zero-shot': { templates: { kind: 'text' } },
  'linear-probe': {},
  coop: {
    n_ctx: textContext,
    csc: { kind: 'boolean' },
    class_token_position: position,
    classes_per_pass: classesPerPass,
  },
  'vpt-shallow': { n_ctx: visualPrompts, template: { kind: 'text' } },
  'vpt-deep': { n_ctx: visualPrompts, template: { kind: 'text' } },
  upt: {
    n_ctx: textContext,
    vpt_n_ctx: visualPrompts,
    project_dim: width,
    csc: { kind: 'boolean' },
    class_token_position: position,
    classes_per_pass: classesPerPass,
  },
  mudpt: {
    // One length for both modalities' prompts: the text context bounds it.
    n_ctx: textContext,
    prompt_depth: { kind: 'integer', min: 1, max: fixed(MAX_PROMPT_DEPTH, 'deeper than any CLIP') },
    injection_dim: width,
    classes_per_pass: classesPerPass,
  },
  softcpt: {
    n_ctx: textContext,
    task_n_ctx: {
      kind: 'integer',
      min: 1,
      max: (c) => ({
        value: c.textContext - PROMPT_FRAME_TOKENS - c.longestTaskPhrase,
        why:
          `the model's text context of ${c.textContext} tokens less ${c.longestTaskPhrase} for the longest ` +
          `task name and ${PROMPT_FRAME_TOKENS} for start, "." and end`,
      }),
    },
    class_token_position: position,
    classes_per_pass: classesPerPass,
  },
  cocoop: { n_ctx: textContext, classes_per_pass: classesPerPass },
  kgcoop: {
    n_ctx: textContext,
    csc: { kind: 'boolean' },
    class_token_position: position,
    lambda: { kind: 'number', min: 0, max: 1e6 },
    template: { kind: 'text' },
    classes_per_pass: classesPerPass,
  },
};

/** Bounds for prompts over these classes (and tasks) on a model with this text context and tokenizer. */
export function boundsFor(
  textContext: ClipConfig['text']['maxPositions'],
  tokenizer: Pick<ClipTokenizer, 'tokenCount'>,
  classNames: readonly string[],
  tasks: readonly MethodTask[] = [],
): BoundsContext {
  const longest = (texts: readonly string[]) =>
    Math.max(1, ...texts.map((text) => tokenizer.tokenCount(text.slice(0, MAX_TEXT_LENGTH))));
  return {
    textContext,
    longestClassName: longest(classNames),
    longestTaskPhrase: longest(tasks.map((task) => taskPhrase(task.name))),
  };
}

/**
 * The most content tokens a class name can have on a model with this text context: a prompt of a single
 * context token must still fit beside it, with start, "." and end.
 */
export function classNameTokenLimit(textContext: number): number {
  return textContext - PROMPT_FRAME_TOKENS - 1;
}

/** Why a class name of `tokens` tokens cannot be used with this text context, or null when it fits. */
export function classNameProblem(name: string, tokens: number, textContext: number): string | null {
  const limit = classNameTokenLimit(textContext);
  if (tokens <= limit) return null;
  return (
    `the class name "${shortened(name)}" is ${tokens} tokens long: this model's text context of ${textContext} tokens ` +
    `holds a name of at most ${limit} (${PROMPT_FRAME_TOKENS} go to start, "." and end, 1 to the prompt)`
  );
}

/** The range of an integer hyperparameter in words, or null for other kinds. */
export function integerRange(
  method: MethodId,
  key: string,
  context: BoundsContext,
): { min: number; max: number; why: string } | null {
  const spec = SPECS[method]?.[key];
  if (spec?.kind !== 'integer') return null;
  const { value, why } = spec.max(context);
  return { min: spec.min, max: value, why };
}

/** Why `value` is not a valid `key` of `method` under `context`, or null when it is. */
export function hyperparameterProblem(
  method: MethodId,
  key: string,
  value: HyperValue,
  context: BoundsContext,
): string | null {
  const specs = SPECS[method];
  if (!specs) return null;
  const spec = specs[key];
  if (!spec) return `${method} has no hyperparameter ${key}`;
  const shown = JSON.stringify(value);
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} must be true or false, got ${shown}`;
    case 'choice':
      return spec.options.includes(value as string)
        ? null
        : `${key} must be one of ${spec.options.join(', ')}, got ${shown}`;
    case 'number': {
      const fits = typeof value === 'number' && value >= spec.min && value <= spec.max;
      return fits ? null : `${key} must be a number from ${spec.min} to ${spec.max}, got ${shown}`;
    }
    case 'text':
      if (typeof value !== 'string') return `${key} must be text, got ${shown}`;
      return value.length <= MAX_TEXT_LENGTH
        ? null
        : `${key} must be at most ${MAX_TEXT_LENGTH} characters, got ${value.length}`;
    case 'integer': {
      const { value: max, why } = spec.max(context);
      if (max < spec.min) return `${key} cannot be set: no value fits (${why} leaves ${max})`;
      const range = Number.isFinite(max)
        ? `a whole number from ${spec.min} to ${max} (${why})`
        : `a whole number ≥ ${spec.min}`;
      const fits = typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= max;
      return fits ? null : `${key} must be ${range}, got ${shown}`;
    }
  }
}

/** Throws naming the first hyperparameter of `values` outside its type or range. */
export function checkHyperparameters(
  method: MethodId,
  values: Hyperparameters,
  context: BoundsContext,
): void {
  for (const [key, value] of Object.entries(values)) {
    const problem = hyperparameterProblem(method, key, value, context);
    if (problem) throw new HyperparameterError(`${method}: ${problem}`);
  }
}

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
}
