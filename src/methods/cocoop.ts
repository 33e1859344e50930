/**
 * CoCoOp, Conditional Context Optimization (Zhou et al., "Conditional Prompt Learning for Vision-Language
 * Models", CVPR 2022; KaiyangZhou/CoOp `trainers/cocoop.py`). CoOp's context made image-conditional: a
 * small meta network maps each image's feature to one token π that shifts every context vector,
 *
 *     x̂    = x / ‖x‖                                   the frozen image tower's feature, normalised
 *     π    = linear2(relu(linear1(x̂)))                 [C]; linear1: D → D/16, linear2: D/16 → C
 *     t_k  = [SOS][ctx_1 + π] … [ctx_n + π][class k][.][EOT]
 *     logit_k = exp(logit_scale) · cos(x, text tower(t_k))
 *
 * so every image has its own prompts for every class: a batch of B images costs B·K text-tower prompts.
 * They run one image at a time, `classes_per_pass` classes per tower pass (text-prompts.ts), and in a
 * recorded batch of several images each image's passes are checkpointed, so at most one pass's activations
 * are alive whatever B and K are. Learns `prompt_learner.ctx` and `prompt_learner.meta_net.linear{1,2}.*`
 * (the reference's state-dict names); both towers stay frozen and the image features are cached.
 */
import { checkpoint } from '../engine/checkpoint';
import { broadcastAdd } from '../engine/ops/broadcast-add';
import { cosineLogits } from '../engine/ops/cosine-logits';
import { l2Normalize } from '../engine/ops/l2-normalize';
import { linear } from '../engine/ops/matmul';
import { relu } from '../engine/ops/relu';
import { reshape } from '../engine/ops/reshape';
import { concatTokens, sliceTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { CONTEXT, contextPromptOptions, contextPrompts } from './coop';
import { MethodSettings } from './hyperparameters';
import { Learnables, learnable } from './learnables';
import type { Classifier, Hyperparameters, MethodContext, MethodDefinition, PromptMethod } from './method';
import type { TextPrompts } from './text-prompts';

const META_NET = 'prompt_learner.meta_net';
export const META_NET_LINEAR1 = `${META_NET}.linear1`;
export const META_NET_LINEAR2 = `${META_NET}.linear2`;
/** The meta network's hidden width is the image feature's over this (vis_dim // 16). */
const BOTTLENECK_RATIO = 16;

class ConditionalContextOptimization implements PromptMethod {
  readonly id = 'cocoop' as const;
  readonly input = 'image-features' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly prompts: TextPrompts;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, seed } = context;
    // CoCoOp's prompts are CoOp's with one shared context and the class token at the end.
    const { prompts, ctx } = contextPrompts(
      context,
      contextPromptOptions(settings, { classTokenPosition: 'end', classSpecific: false }),
    );
    this.prompts = prompts;
    const features = model.config.projectionDim;
    const hidden = Math.floor(features / BOTTLENECK_RATIO);
    if (hidden < 1) throw new Error(`cocoop: image features ${features} wide leave no meta-net hidden layer`);
    // ctx first, as the reference's state dict lists it; the meta network as nn.Linear initialises it.
    const learnables = new Learnables(model.backend, seed);
    learnables.set(CONTEXT, ctx);
    learnables.linear(META_NET_LINEAR1, hidden, features);
    learnables.linear(META_NET_LINEAR2, this.prompts.width, hidden);
    this.learnables = learnables.tensors;
  }

  /** π for every image: [B, C], from image features [B, D]. */
  metaTokens(tape: Tape, normalised: Tensor): Tensor {
    const w = (name: string) => learnable(this.learnables, name);
    const hidden = linear(tape, normalised, w(`${META_NET_LINEAR1}.weight`), w(`${META_NET_LINEAR1}.bias`));
    const open = relu(tape, hidden);
    tape.release(hidden);
    const tokens = linear(tape, open, w(`${META_NET_LINEAR2}.weight`), w(`${META_NET_LINEAR2}.bias`));
    tape.release(open);
    return tokens;
  }

  classifier(): Classifier {
    return { logits: (tape, images) => this.logits(tape, images) };
  }

  dispose(): void {
    this.prompts.dispose();
    for (const t of this.learnables.values()) t.free();
  }

  /** logits [B, K]: each image's own prompts through the text tower, one image after another. */
  private logits(tape: Tape, images: Tensor): Tensor {
    const [batch, features] = images.shape as [number, number];
    const ctx = learnable(this.learnables, CONTEXT);
    const normalised = l2Normalize(tape, images);
    const tokens = this.metaTokens(tape, normalised);
    // Rows as token sequences [1, B, ·], so that one image's row is a token slice.
    const imageRows = reshape(tape, normalised, [1, batch, features]);
    const tokenRows = reshape(tape, tokens, [1, batch, this.prompts.width]);
    tape.release(tokens);
    const rows: Tensor[] = [];
    for (let b = 0; b < batch; b++) {
      const image = reshape(tape, sliceTokens(tape, imageRows, b, 1), [1, features]);
      const token = sliceTokens(tape, tokenRows, b, 1);
      const row = (t: Tape, [context, shift, feature]: readonly Tensor[]) =>
        this.imageLogits(t, feature as Tensor, context as Tensor, shift as Tensor);
      // One image's text passes kept on the tape at a time: the others' are recomputed in backward.
      const inputs = [ctx, token, image];
      rows.push(batch > 1 ? checkpoint(tape, inputs, row) : row(tape, inputs));
      tape.release(token);
      tape.release(image);
    }
    tape.release(imageRows);
    tape.release(tokenRows);
    tape.release(normalised);
    const joined = concatTokens(tape, rows);
    for (const row of rows) tape.release(row);
    const logits = reshape(tape, joined, [batch, this.prompts.classes]);
    tape.release(joined);
    return logits;
  }

  /** One image's logits [1, 1, K]: ctx [n, C] shifted by its meta token [1, 1, C], image [1, D]. */
  private imageLogits(tape: Tape, image: Tensor, ctx: Tensor, token: Tensor): Tensor {
    const [contextTokens, width] = ctx.shape as [number, number];
    // [n, 1, C] + the token's one row: every context vector shifted by π.
    const column = reshape(tape, ctx, [contextTokens, 1, width]);
    const shift = reshape(tape, token, [1, width]);
    const shiftedColumn = broadcastAdd(tape, column, shift);
    tape.release(column);
    tape.release(shift);
    const shifted = reshape(tape, shiftedColumn, [contextTokens, width]);
    tape.release(shiftedColumn);
    const text = this.prompts.textFeatures(tape, shifted);
    tape.release(shifted);
    const logits = cosineLogits(tape, image, text, this.context.model.logitScale);
    tape.release(text);
    const row = reshape(tape, logits, [1, 1, this.prompts.classes]);
    tape.release(logits);
    return row;
  }
}

export const cocoop: MethodDefinition = {
  ...methodEntry('cocoop'),
  create(context, hyperparameters) {
    return new ConditionalContextOptimization(
      context,
      new MethodSettings('cocoop', cocoop.defaults, hyperparameters),
    );
  },
};
