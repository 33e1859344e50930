/**
 * Learnable text prompts in CoOp's form (Zhou et al., "Learning to Prompt for Vision-Language Models"),
 * shared by CoOp, UPT, MuDPT and SoftCPT. Each class's prompt is the tokenised "X X … X {class}." with the
 * n_ctx placeholder embeddings swapped for a learnable context:
 *
 *     end     [SOS][ctx][class][.][EOT]
 *     middle  [SOS][ctx[:n/2]][class][ctx[n/2:]][.][EOT]
 *     front   [SOS][class][ctx][.][EOT]
 *
 * as KaiyangZhou/CoOp `trainers/coop.py` PromptLearner builds it: the frozen token embeddings around the
 * context are computed once (its token_prefix / token_suffix buffers) and spliced with the context on every
 * forward, so the prompts are a differentiable function of ctx. ctx is [n_ctx, C] (one context shared by
 * all classes) or [K, n_ctx, C] (class-specific, CoOp's CSC). Prompts end at the last class's end-of-text,
 * as MVLPT's CUT_CONTEXTLEN does: the causal text tower never lets later tokens reach the pooled one.
 */
import type { ClipModel } from '../clip/clip-model';
import type { LayerOptions } from '../clip/encoder-layers';
import type { ClipTokenizer } from '../clip/tokenizer';
import { checkpoint } from '../engine/checkpoint';
import { reshape } from '../engine/ops/reshape';
import { concatTokens, sliceTokens } from '../engine/ops/tokens';
import { Tape } from '../engine/tape';
import { shapeString, type Tensor } from '../engine/tensor';
import { CLASS_TOKEN_POSITIONS, type ClassTokenPosition } from './class-token-position';
import { Learnables } from './learnables';

// Apart from the prompts, so that the page can read the hyperparameters' ranges without the engine.
export { CLASS_TOKEN_POSITIONS, type ClassTokenPosition };

export interface TextPromptOptions {
  /** n_ctx: context tokens per prompt. */
  contextTokens: number;
  classTokenPosition: ClassTokenPosition;
  /** One context per class, ctx [K, n_ctx, C], instead of one shared by all, ctx [n_ctx, C]. */
  classSpecific: boolean;
  /**
   * Classes per text-tower pass (default: all in one). With several passes each is checkpointed, so only
   * one pass's activations are alive at a time, for the price of running the tower twice.
   */
  classesPerPass?: number;
}

/** Hooks for methods that also reach into the text tower's layers (deep text prompts). */
export interface TextLayerHooks {
  /** Tensors the hooks read that need gradients; a checkpointed pass must be handed them explicitly. */
  inputs: readonly Tensor[];
  /** The layer options of one pass, given `inputs` and the tape as that pass sees them. */
  layers(inputs: readonly Tensor[], tape: Tape): LayerOptions;
}

/** CoOp's CTX_INIT: with as many context tokens as these words, the context starts as their embeddings. */
export const CONTEXT_INIT_WORDS = 'a photo of a';
/** CoOp's random init otherwise: nn.init.normal_(ctx, std=0.02). */
const CONTEXT_INIT_STD = 0.02;
const PLACEHOLDER = 'X';

/** One class's frozen token embeddings around its context, [1, tokens, C] each. */
interface ClassPieces {
  name: Tensor;
  /** "." and end-of-text, then padding up to the pass's length. */
  rest: Tensor;
}

/** A group of classes run through the text tower together, with CoOp's frozen buffers for them. */
interface Pass {
  first: number;
  classes: number;
  tokens: number;
  eotIndices: number[];
  /** 'end': [classes, 1, C] start-of-text rows and [classes, tokens − 1 − n_ctx, C] rows after the context. */
  prefix?: Tensor;
  suffix?: Tensor;
  /** 'middle' / 'front': per class, because the class names' lengths differ. */
  pieces?: ClassPieces[];
}

/** The learnable-context prompts of a class list, ready to take a context tensor. */
export class TextPrompts {
  readonly classes: number;
  readonly width: number;
  /** Per class, where the text tower pools: the end-of-text position of its prompt. */
  readonly eotIndices: readonly number[];
  private readonly passes: Pass[];
  /** [1, 1, C]: every prompt's start-of-text embedding ('middle' / 'front'). */
  private readonly startOfText: Tensor | null;

  private constructor(
    private readonly model: ClipModel,
    readonly options: Required<TextPromptOptions>,
    eotIndices: number[],
    passes: Pass[],
    startOfText: Tensor | null,
  ) {
    this.classes = eotIndices.length;
    this.width = model.config.text.hiddenSize;
    this.eotIndices = eotIndices;
    this.passes = passes;
    this.startOfText = startOfText;
  }

  /** Tokenises "X … X {class}." for every class and keeps the frozen embeddings the prompts splice. */
  static build(
    model: ClipModel,
    tokenizer: ClipTokenizer,
    classNames: readonly string[],
    options: TextPromptOptions,
  ): TextPrompts {
    const n = options.contextTokens;
    if (!Number.isInteger(n) || n < 1) throw new Error(`text prompts: n_ctx must be ≥ 1, got ${n}`);
    if (classNames.length === 0) throw new Error('text prompts: no classes');
    const settings = { ...options, classesPerPass: options.classesPerPass || classNames.length };
    if (!Number.isInteger(settings.classesPerPass) || settings.classesPerPass < 1) {
      throw new Error(
        `text prompts: classes per pass must be a positive integer, got ${options.classesPerPass}`,
      );
    }
    const contextLength = model.config.text.maxPositions;
    const placeholders = Array<string>(n).fill(PLACEHOLDER).join(' ');
    const { ids, eotIndices } = tokenizer.encode(
      classNames.map((name) => `${placeholders} ${name}.`),
      contextLength,
    );
    const placeholderIds = tokenizer.encode([placeholders], contextLength);
    if (placeholderIds.eotIndices[0] !== n + 1) {
      throw new Error(`text prompts: '${PLACEHOLDER}' is not one token in this tokenizer`);
    }
    // CoOp's name_lens: the class name's tokens alone; the prompt must be exactly [SOS] X…X name . [EOT].
    const nameLengths = tokenizer.encode(classNames, contextLength).eotIndices.map((eot) => eot - 1);
    classNames.forEach((name, k) => {
      if ((nameLengths[k] as number) < 1 || eotIndices[k] !== n + (nameLengths[k] as number) + 2) {
        throw new Error(
          `text prompts: "${placeholders} ${name}." does not fit ${contextLength} tokens as [SOS] context name . [EOT]`,
        );
      }
    });

    const tape = new Tape(model.backend, false);
    const kept: Tensor[] = [];
    const keep = (t: Tensor) => {
      kept.push(tape.detach(t));
      return t;
    };
    try {
      const passes: Pass[] = [];
      for (let first = 0; first < classNames.length; first += settings.classesPerPass) {
        const members = ids.slice(first, first + settings.classesPerPass);
        const eots = eotIndices.slice(first, first + members.length);
        const tokens = Math.max(...eots) + 1;
        const pass: Pass = { first, classes: members.length, tokens, eotIndices: eots };
        if (settings.classTokenPosition === 'end') {
          const embedded = model.text.embedTokens(
            tape,
            members.map((row) => row.slice(0, tokens)),
          );
          pass.prefix = keep(sliceTokens(tape, embedded, 0, 1));
          pass.suffix = keep(sliceTokens(tape, embedded, 1 + n, tokens - 1 - n));
          tape.release(embedded);
        } else {
          pass.pieces = members.map((row, i) => {
            const embedded = model.text.embedTokens(tape, [row.slice(0, tokens)]);
            const nameLength = nameLengths[first + i] as number;
            const pieces = {
              name: keep(sliceTokens(tape, embedded, 1 + n, nameLength)),
              rest: keep(sliceTokens(tape, embedded, 1 + n + nameLength, tokens - 1 - n - nameLength)),
            };
            tape.release(embedded);
            return pieces;
          });
        }
        passes.push(pass);
      }
      const startOfText =
        settings.classTokenPosition === 'end'
          ? null
          : keep(model.text.embedTokens(tape, [[tokenizer.bosId]]));
      return new TextPrompts(model, settings, eotIndices, passes, startOfText);
    } catch (error) {
      for (const t of kept) t.free();
      throw error;
    } finally {
      tape.dispose();
    }
  }

  /** The context's shape: [n_ctx, C], or [K, n_ctx, C] when class-specific. */
  get contextShape(): number[] {
    const { contextTokens, classSpecific } = this.options;
    return classSpecific ? [this.classes, contextTokens, this.width] : [contextTokens, this.width];
  }

  /** Prompt embeddings [K, T, C] of every class (one pass's worth of tokens T; all classes in one pass). */
  embed(tape: Tape, ctx: Tensor): Tensor {
    if (this.passes.length !== 1) {
      throw new Error('text prompts: embed() needs every class in one pass; use textFeatures()');
    }
    this.checkContext(ctx);
    return this.embedPass(tape, ctx, this.passes[0] as Pass);
  }

  /**
   * Text features [K, projection] (text_projection of the pooled token, not normalised) of every class's
   * prompt with context ctx, as CoOp's TextEncoder computes them; `classesPerPass` classes per tower pass.
   */
  textFeatures(tape: Tape, ctx: Tensor, hooks?: TextLayerHooks): Tensor {
    this.checkContext(ctx);
    const extra = hooks?.inputs ?? [];
    const run = (t: Tape, pass: Pass, [context, ...rest]: readonly Tensor[]) => {
      const prompts = this.embedPass(t, context as Tensor, pass);
      const layers = hooks?.layers(rest, t) ?? {};
      const { textEmbeds, lastHiddenState } = this.model.text.forwardFromEmbeddings(
        t,
        prompts,
        pass.eotIndices,
        layers,
      );
      t.release(prompts);
      t.release(lastHiddenState);
      return textEmbeds;
    };
    if (this.passes.length === 1) return run(tape, this.passes[0] as Pass, [ctx, ...extra]);
    const parts = this.passes.map((pass) =>
      checkpoint(tape, [ctx, ...extra], (t, inputs) => run(t, pass, inputs)),
    );
    const joined = concatTokens(tape, parts);
    for (const part of parts) tape.release(part);
    const features = reshape(tape, joined, [this.classes, joined.shape[2] as number]);
    tape.release(joined);
    return features;
  }

  dispose(): void {
    this.startOfText?.free();
    for (const pass of this.passes) {
      pass.prefix?.free();
      pass.suffix?.free();
      for (const { name, rest } of pass.pieces ?? []) {
        name.free();
        rest.free();
      }
    }
  }

  private checkContext(ctx: Tensor): void {
    const expected = this.contextShape;
    if (ctx.shape.length !== expected.length || ctx.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`text prompts: context ${shapeString(ctx.shape)}, expected ${shapeString(expected)}`);
    }
  }

  /** One pass's prompts [classes, tokens, C]. */
  private embedPass(tape: Tape, ctx: Tensor, pass: Pass): Tensor {
    const { contextTokens: n, classSpecific, classTokenPosition } = this.options;
    const temporaries: Tensor[] = [];
    const temp = (t: Tensor) => {
      temporaries.push(t);
      return t;
    };
    // The pass's class-specific contexts as one token sequence [1, classes·n, C]: class k's are tokens
    // [k·n, k·n + n). A shared ctx [n, C] is already one sequence, every class's.
    let sequence = ctx;
    if (classSpecific) {
      sequence = temp(reshape(tape, ctx, [1, this.classes * n, this.width]));
      if (pass.classes < this.classes)
        sequence = temp(sliceTokens(tape, sequence, pass.first * n, pass.classes * n));
    }
    // A shared context's halves are cut once and enter every prompt (their gradients add up).
    const sharedPieces = new Map<number, Tensor>();
    const context = (k: number, start: number, length: number) => {
      if (classSpecific) return temp(sliceTokens(tape, sequence, k * n + start, length));
      if (length === n) return ctx;
      let piece = sharedPieces.get(start);
      if (!piece) {
        piece = temp(sliceTokens(tape, ctx, start, length));
        sharedPieces.set(start, piece);
      }
      return piece;
    };
    let prompts: Tensor;
    if (classTokenPosition === 'end') {
      const contexts = classSpecific ? temp(reshape(tape, sequence, [pass.classes, n, this.width])) : ctx;
      prompts = concatTokens(tape, [pass.prefix as Tensor, contexts, pass.suffix as Tensor]);
    } else {
      const sos = this.startOfText as Tensor;
      const half = Math.floor(n / 2);
      // 'middle' with one context token has an empty first half: it is 'front' (as in CoOp's slicing).
      const parts = (pass.pieces as ClassPieces[]).flatMap(({ name, rest }, k) =>
        classTokenPosition === 'front' || half === 0
          ? [sos, name, context(k, 0, n), rest]
          : [sos, context(k, 0, half), name, context(k, half, n - half), rest],
      );
      prompts = reshape(tape, temp(concatTokens(tape, parts)), [pass.classes, pass.tokens, this.width]);
    }
    for (const t of temporaries) tape.release(t);
    return prompts;
  }
}

/**
 * CoOp's initial context, `prompt_learner.ctx`: the token embeddings of "a photo of a" when n_ctx is their
 * token count (CTX_INIT; class-specific contexts all start from them), else N(0, 0.02) drawn from `seed`.
 */
export function initialContext(
  model: ClipModel,
  tokenizer: ClipTokenizer,
  shape: readonly number[],
  seed: number,
  name = 'prompt_learner.ctx',
): Tensor {
  const contextTokens = shape[shape.length - 2] as number;
  const copies = shape.length === 3 ? (shape[0] as number) : 1;
  const init = tokenizer.encode([CONTEXT_INIT_WORDS], model.config.text.maxPositions);
  if (init.eotIndices[0] !== contextTokens + 1) {
    return new Learnables(model.backend, seed).normal(name, shape, CONTEXT_INIT_STD);
  }
  const tape = new Tape(model.backend, false);
  try {
    const words = sliceTokens(tape, model.text.embedTokens(tape, init.ids), 1, contextTokens);
    const tiled = copies === 1 ? words : concatTokens(tape, Array<Tensor>(copies).fill(words));
    const ctx = tape.detach(reshape(tape, tiled, shape));
    ctx.requiresGrad = true;
    ctx.name = name;
    return ctx;
  } finally {
    tape.dispose();
  }
}
