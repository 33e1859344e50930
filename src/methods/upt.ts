/**
 * UPT, Unified Prompt Tuning (Zang et al. 2022), as MVLPT re-implements it (Shen et al., "Multitask
 * Vision-Language Prompt Tuning", §3.1 and Appendix 7.1; sIncerass/MVLPT `trainers/mvlpt.py`,
 * MultitaskVLPromptLearner.forward_mvlpt_proj). One set of prompts serves both frozen towers: CoOp's text
 * context (n_ctx tokens) and VPT-deep's visual prompts (vpt_n_ctx tokens for each image layer) are
 * projected to 128 wide (`mvlpt_proj_ctx_coop_pre`, `mvlpt_proj_ctx_vpt_pre`), pass together through one
 * CLIP residual attention block (`mvlpt_proj`: width 128, 1 head, pre-LN, MLP 128→512→128 with
 * quick_gelu), and are projected back to each tower's width (`*_post`). The text context then fills CoOp's
 * prompts [SOS][ctx][class][.][EOT]; the visual prompts enter as VPT-deep's, [CLS][prompts][patches] with
 * the deeper layers' prompts replacing the previous layer's outputs. The prompts, the four projections and
 * the block train.
 *
 * The block's sequence is MVLPT's concatenation: the whole text context (n_ctx tokens, or K·n_ctx with
 * class-specific contexts), then the first layer's visual prompts, then each deeper layer's in order, all
 * attending to all without a mask. Every depth is in the one sequence, so each layer's visual prompts see
 * the text context and the other layers' prompts: the interaction between the modalities the paper credits
 * the block with. MVLPT's code hands this batch-first [1, S, 128] tensor to CLIP's sequence-first
 * Transformer, which reads it as S sequences of one token, so there each prompt attends only to itself and
 * the block acts token by token. We follow the paper, not that slip.
 *
 * MVLPT skips a projection when a tower is already 128 wide (nn.Identity); we always project, so every model
 * has the same learnables. Initialisation as MVLPT's: ctx N(0, 0.02) (its UPT runs start from no words, §4),
 * visual prompts uniform within VPT's Xavier bound, the projections and the block as PyTorch initialises
 * them (nn.Linear U(±1/√in); nn.MultiheadAttention Xavier-uniform in_proj_weight, zero in_proj_bias and
 * out_proj.bias; LayerNorm 1 and 0).
 */
import {
  type Affine,
  type ResidualBlockWeights,
  residualAttentionBlock,
} from '../engine/nn/residual-attention-block';
import { cosineLogits } from '../engine/ops/cosine-logits';
import { linear } from '../engine/ops/matmul';
import { reshape } from '../engine/ops/reshape';
import { concatTokens, sliceTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { classContexts, contextPromptOptions } from './coop';
import { promptedImageFeatures } from './deep-prompts';
import { MethodSettings } from './hyperparameters';
import { Learnables, learnable } from './learnables';
import type {
  Classifier,
  Hyperparameters,
  MethodContext,
  MethodDefinition,
  PromptMethod,
  TextContext,
} from './method';
import { TextPrompts } from './text-prompts';

const PREFIX = 'prompt_learner.';
const CTX = `${PREFIX}ctx`;
const VPT = `${PREFIX}vpt_embeddings`;
const VPT_DEEP = `${PREFIX}vpt_embeddings_deep`;
const COOP_PRE = `${PREFIX}mvlpt_proj_ctx_coop_pre`;
const COOP_POST = `${PREFIX}mvlpt_proj_ctx_coop_post`;
const VPT_PRE = `${PREFIX}mvlpt_proj_ctx_vpt_pre`;
const VPT_POST = `${PREFIX}mvlpt_proj_ctx_vpt_post`;
/** clip.model.Transformer(width, layers=1, heads=1): OpenAI's names, q/k/v packed in in_proj. */
const BLOCK = `${PREFIX}mvlpt_proj.resblocks.0.`;
const BLOCK_HEADS = 1;
/** OpenAI CLIP's LayerNorm: torch's default eps. */
const BLOCK_EPS = 1e-5;
/** CoOp's random context init, nn.init.normal_(ctx_vectors, std=0.02). */
const CONTEXT_STD = 0.02;

/** MVLPT's initial prompts and PyTorch's initial block, drawn in that order from `seed`. */
function initialLearnables(
  context: MethodContext,
  contextShape: readonly number[],
  visualPrompts: number,
  width: number,
): Learnables {
  const { model, seed } = context;
  const text = model.config.text.hiddenSize;
  const { channels, patchSize, hiddenSize: visual, layers } = model.config.vision;
  if (layers < 2) throw new Error('upt: the image tower has one layer, VPT-deep needs two');
  const learnables = new Learnables(model.backend, seed);
  learnables.normal(CTX, contextShape, CONTEXT_STD);
  const bound = Math.sqrt(6 / (channels * patchSize * patchSize + visual));
  learnables.uniform(VPT, [1, visualPrompts, visual], bound);
  learnables.uniform(VPT_DEEP, [layers - 1, visualPrompts, visual], bound);
  learnables.linear(COOP_PRE, width, text);
  learnables.linear(COOP_POST, text, width);
  learnables.linear(VPT_PRE, width, visual);
  learnables.linear(VPT_POST, visual, width);
  learnables.layerNorm(`${BLOCK}ln_1`, width);
  // xavier_uniform_ on [3·width, width]: fan-in width, fan-out 3·width.
  learnables.uniform(`${BLOCK}attn.in_proj_weight`, [3 * width, width], Math.sqrt(6 / (4 * width)));
  learnables.fill(`${BLOCK}attn.in_proj_bias`, [3 * width], 0);
  learnables.uniform(`${BLOCK}attn.out_proj.weight`, [width, width], 1 / Math.sqrt(width));
  learnables.fill(`${BLOCK}attn.out_proj.bias`, [width], 0);
  learnables.layerNorm(`${BLOCK}ln_2`, width);
  learnables.linear(`${BLOCK}mlp.c_fc`, 4 * width, width);
  learnables.linear(`${BLOCK}mlp.c_proj`, width, 4 * width);
  return learnables;
}

/** The prompts after the block, as the towers take them. */
export interface UnifiedPrompts {
  /** In TextPrompts' context shape. */
  textContext: Tensor;
  /** [1, p, C_visual]: the first image layer's. */
  shallow: Tensor;
  /** [1, (layers − 1)·p, C_visual]: layer i's are tokens [(i−1)·p, i·p). */
  deep: Tensor;
}

/**
 * MVLPT's forward_mvlpt_proj with the block attending across the whole sequence: UPT's learnables → the
 * text context (in `contextShape`) and the visual prompts.
 */
export function unifiedPrompts(
  tape: Tape,
  learnables: ReadonlyMap<string, Tensor>,
  contextShape: readonly number[],
): UnifiedPrompts {
  const get = (name: string) => learnable(learnables, name);
  const ctx = get(CTX);
  const [prompts, visualWidth] = get(VPT).shape.slice(1) as [number, number];
  const textWidth = contextShape[contextShape.length - 1] as number;
  const textTokens = ctx.size / textWidth;
  const visualTokens = prompts + get(VPT_DEEP).size / visualWidth;

  const temporaries: Tensor[] = [];
  const temp = (t: Tensor) => {
    temporaries.push(t);
    return t;
  };
  const project = (x: Tensor, prefix: string) =>
    temp(linear(tape, x, get(`${prefix}.weight`), get(`${prefix}.bias`)));
  const text = temp(reshape(tape, ctx, [1, textTokens, textWidth]));
  const deepTokens = temp(reshape(tape, get(VPT_DEEP), [1, visualTokens - prompts, visualWidth]));
  const visual = temp(concatTokens(tape, [get(VPT), deepTokens]));
  const sequence = temp(concatTokens(tape, [project(text, COOP_PRE), project(visual, VPT_PRE)]));
  const mixed = temp(
    residualAttentionBlock(tape, sequence, blockWeights(tape, learnables, temp), {
      heads: BLOCK_HEADS,
      causal: false,
      activation: 'quick_gelu',
      eps: BLOCK_EPS,
    }),
  );
  const textOut = project(temp(sliceTokens(tape, mixed, 0, textTokens)), COOP_POST);
  const visualOut = project(temp(sliceTokens(tape, mixed, textTokens, visualTokens)), VPT_POST);
  const unified = {
    textContext: reshape(tape, textOut, contextShape),
    shallow: sliceTokens(tape, visualOut, 0, prompts),
    deep: sliceTokens(tape, visualOut, prompts, visualTokens - prompts),
  };
  for (const t of temporaries) tape.release(t);
  return unified;
}

/** The block in the engine's layout: nn.MultiheadAttention's packed in_proj split into q, k, v. */
function blockWeights(
  tape: Tape,
  learnables: ReadonlyMap<string, Tensor>,
  temp: (t: Tensor) => Tensor,
): ResidualBlockWeights {
  const get = (name: string) => learnable(learnables, `${BLOCK}${name}`);
  const affine = (name: string): Affine => ({ weight: get(`${name}.weight`), bias: get(`${name}.bias`) });
  // in_proj_weight [3w, w] and in_proj_bias [3w] stack q, k, v: thirds of the packed rows.
  const thirds = (packed: Tensor) => {
    const grouped = temp(reshape(tape, packed, [1, 3, packed.size / 3]));
    const shape = [(packed.shape[0] as number) / 3, ...packed.shape.slice(1)];
    return [0, 1, 2].map((i) => temp(reshape(tape, temp(sliceTokens(tape, grouped, i, 1)), shape)));
  };
  const [qWeight, kWeight, vWeight] = thirds(get('attn.in_proj_weight')) as [Tensor, Tensor, Tensor];
  const [qBias, kBias, vBias] = thirds(get('attn.in_proj_bias')) as [Tensor, Tensor, Tensor];
  return {
    layerNorm1: affine('ln_1'),
    q: { weight: qWeight, bias: qBias },
    k: { weight: kWeight, bias: kBias },
    v: { weight: vWeight, bias: vBias },
    out: affine('attn.out_proj'),
    layerNorm2: affine('ln_2'),
    fc1: affine('mlp.c_fc'),
    fc2: affine('mlp.c_proj'),
  };
}

class UnifiedPromptTuning implements PromptMethod {
  readonly id = 'upt' as const;
  readonly input = 'pixels' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly prompts: TextPrompts;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, tokenizer, classNames } = context;
    this.prompts = TextPrompts.build(model, tokenizer, classNames, contextPromptOptions(settings));
    this.learnables = initialLearnables(
      context,
      this.prompts.contextShape,
      settings.number('vpt_n_ctx', { integer: true, min: 1 }),
      settings.number('project_dim', { integer: true, min: 1 }),
    ).tensors;
  }

  classifier(tape: Tape): Classifier {
    const { textContext, shallow, deep } = unifiedPrompts(tape, this.learnables, this.prompts.contextShape);
    const text = this.prompts.textFeatures(tape, textContext);
    tape.release(textContext);
    const { vision, logitScale } = this.context.model;
    return {
      logits: (t, pixels) => {
        const imageEmbeds = promptedImageFeatures(t, vision, pixels, shallow, deep);
        const logits = cosineLogits(t, imageEmbeds, text, logitScale);
        t.release(imageEmbeds);
        return logits;
      },
    };
  }

  /** `ctx` only means something after the shared block: its output is the context the text tower reads. */
  async textContexts(tape: Tape): Promise<TextContext[]> {
    const { textContext } = unifiedPrompts(tape, this.learnables, this.prompts.contextShape);
    return classContexts(this.context.classNames, textContext);
  }

  dispose(): void {
    this.prompts.dispose();
    for (const t of this.learnables.values()) t.free();
  }
}

export const upt: MethodDefinition = {
  ...methodEntry('upt'),
  create(context, hyperparameters) {
    return new UnifiedPromptTuning(
      context,
      new MethodSettings('upt', upt.defaults, hyperparameters, context),
    );
  },
};
