/**
 * MuDPT, Multi-modal Deep-symphysis Prompt Tuning (Miao et al., ICME 2023, arXiv 2306.11400). Deep text
 * prompts and deep visual prompts, n tokens for each of the first J layers of both frozen towers, pass
 * through an Injection Model: cross-modality attention between the text and the visual prompts of each
 * depth, whose output is fused back into the prompts of both modalities (text→visual and visual→text)
 * before they enter the layers. The prompts and the Injection Model train.
 *
 * The paper (§II-B) fixes the structure, not the details; these are our choices:
 * - Prompts: `prompt_learner.text_prompts` [J, n, C_text] and `prompt_learner.visual_prompts`
 *   [J, n, C_visual], row j for layer j. Text row 0 is CoOp's context: it fills [SOS][ctx][class][.][EOT]
 *   (class at the end, one context for all classes); before text layer j ≥ 1 the outputs at the context
 *   positions are replaced by row j, so the end-of-text stays where the tokenizer put it. Visual prompts
 *   enter as VPT-deep's: [CLS][row 0][patches] after pre_layrnorm, row j replacing the prompt outputs
 *   before image layer j. Layers past J run on what the previous layer made of the prompts.
 * - Depth: J = min(prompt_depth, layers of either tower); the paper's 12 is every layer of ViT-B/16 (and
 *   every layer of smaller models). One length n = 4 for both modalities, as the paper sets it and as the
 *   batched cross-attention below needs.
 * - Injection Model, one module shared by all depths (the paper draws one "tiny transformative block"), the
 *   J depths as a batch so depth j's prompts meet only depth j's: a LayerNorm per modality, then one
 *   single-head cross-attention per direction, `injection_dim` (128) wide. visual_to_text: queries from the
 *   text prompts (C_text → 128), keys and values from the visual prompts (C_visual → 128), out projection
 *   128 → C_text; text_to_visual the mirror image. This projection to a common width is how it maps
 *   between the towers' widths. q, k and v have no bias (a key bias cannot change a softmax; the norms'
 *   shift offsets q and v), the out projections have one.
 * - Fusion by addition: text' = text + visual_to_text(LN(text), LN(visual)), visual' = visual +
 *   text_to_visual(LN(visual), LN(text)), at every depth including the first. The authors' code
 *   (YzM1a0/MuDPT, `clip/model.py`) also adds its cross-modal prompts to the originals, but makes them with
 *   a plain linear layer per depth and no attention, fuses only the deeper layers, and appends its visual
 *   prompts after the patches before ln_pre; we follow the paper's cross-modality attention and put the
 *   visual prompts where VPT does, as UPT and VPT here do.
 * - Initialisation (paper §III-A): text row 0 the embeddings of "a photo of a" (CoOp's init, when n is its 4
 *   tokens), every other prompt N(0, 0.02); LayerNorms 1 and 0; q, k, v as torch.nn.Linear (U(±1/√in)); the
 *   out projections zero, so training starts from the unfused prompts, "a photo of a" intact, and the
 *   injection grows from there.
 */
import { attention } from '../engine/ops/attention';
import { cosineLogits } from '../engine/ops/cosine-logits';
import { add } from '../engine/ops/elementwise';
import { layerNorm } from '../engine/ops/layer-norm';
import { linear } from '../engine/ops/matmul';
import { reshape } from '../engine/ops/reshape';
import { replaceTokens, sliceTokens } from '../engine/ops/tokens';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { deepPromptReplacer, promptedImageFeatures } from './deep-prompts';
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
import { initialContext, TextPrompts } from './text-prompts';

const PREFIX = 'prompt_learner.';
export const TEXT_PROMPTS = `${PREFIX}text_prompts`;
export const VISUAL_PROMPTS = `${PREFIX}visual_prompts`;
const INJECTION = `${PREFIX}injection.`;
const TEXT_NORM = `${INJECTION}text_norm`;
const VISUAL_NORM = `${INJECTION}visual_norm`;
/** Receives in the text prompts what their queries gather from the visual prompts. */
const VISUAL_TO_TEXT = `${INJECTION}visual_to_text`;
const TEXT_TO_VISUAL = `${INJECTION}text_to_visual`;
const PROMPT_STD = 0.02;
const NORM_EPS = 1e-5;

/** Prompts and Injection Model, drawn in that order from `seed`; text row 0 from CoOp's context init. */
function initialLearnables(context: MethodContext, depth: number, n: number, width: number): Learnables {
  const { model, tokenizer, seed } = context;
  const text = model.config.text.hiddenSize;
  const visual = model.config.vision.hiddenSize;
  const learnables = new Learnables(model.backend, seed);
  const drawn = learnables.normal(TEXT_PROMPTS, [depth, n, text], PROMPT_STD);
  learnables.normal(VISUAL_PROMPTS, [depth, n, visual], PROMPT_STD);
  learnables.layerNorm(TEXT_NORM, text);
  learnables.layerNorm(VISUAL_NORM, visual);
  for (const [prefix, queries, sources] of [
    [VISUAL_TO_TEXT, text, visual],
    [TEXT_TO_VISUAL, visual, text],
  ] as const) {
    learnables.linear(`${prefix}.q_proj`, width, queries, { bias: false });
    learnables.linear(`${prefix}.k_proj`, width, sources, { bias: false });
    learnables.linear(`${prefix}.v_proj`, width, sources, { bias: false });
    learnables.fill(`${prefix}.out_proj.weight`, [queries, width], 0);
    learnables.fill(`${prefix}.out_proj.bias`, [queries], 0);
  }
  const words = initialContext(model, tokenizer, [n, text], seed);
  const tape = new Tape(model.backend, false);
  try {
    const rows = replaceTokens(tape, reshape(tape, drawn, [1, depth * n, text]), 0, words);
    learnables.set(TEXT_PROMPTS, tape.detach(reshape(tape, rows, [depth, n, text])));
  } finally {
    tape.dispose();
    words.free();
  }
  return learnables;
}

/** Both modalities' prompts after the Injection Model, each one sequence [1, J·n, C]: layer j's are tokens [j·n, (j+1)·n). */
export interface FusedPrompts {
  text: Tensor;
  visual: Tensor;
}

/** The Injection Model on all depths at once, fused by addition. */
export function fusedPrompts(tape: Tape, learnables: ReadonlyMap<string, Tensor>): FusedPrompts {
  const get = (name: string) => learnable(learnables, name);
  const text = get(TEXT_PROMPTS);
  const visual = get(VISUAL_PROMPTS);
  const textNormed = layerNorm(tape, text, get(`${TEXT_NORM}.weight`), get(`${TEXT_NORM}.bias`), NORM_EPS);
  const visualNormed = layerNorm(
    tape,
    visual,
    get(`${VISUAL_NORM}.weight`),
    get(`${VISUAL_NORM}.bias`),
    NORM_EPS,
  );
  const fused = (prompts: Tensor, injected: Tensor) => {
    const sum = add(tape, prompts, injected);
    tape.release(injected);
    const [depth, n, width] = sum.shape as [number, number, number];
    const tokens = reshape(tape, sum, [1, depth * n, width]);
    tape.release(sum);
    return tokens;
  };
  const result = {
    text: fused(text, crossAttention(tape, learnables, VISUAL_TO_TEXT, textNormed, visualNormed)),
    visual: fused(visual, crossAttention(tape, learnables, TEXT_TO_VISUAL, visualNormed, textNormed)),
  };
  tape.release(textNormed);
  tape.release(visualNormed);
  return result;
}

/** queries [J, n, ·] attend over sources [J, n, ·] depth by depth; the result has the queries' width. */
function crossAttention(
  tape: Tape,
  learnables: ReadonlyMap<string, Tensor>,
  prefix: string,
  queries: Tensor,
  sources: Tensor,
): Tensor {
  const get = (name: string) => learnable(learnables, `${prefix}.${name}`);
  const q = linear(tape, queries, get('q_proj.weight'));
  const k = linear(tape, sources, get('k_proj.weight'));
  const v = linear(tape, sources, get('v_proj.weight'));
  const attended = attention(tape, q, k, v, { heads: 1, causal: false });
  for (const t of [q, k, v]) tape.release(t);
  const out = linear(tape, attended, get('out_proj.weight'), get('out_proj.bias'));
  tape.release(attended);
  return out;
}

class MultimodalDeepSymphysisPromptTuning implements PromptMethod {
  readonly id = 'mudpt' as const;
  readonly input = 'pixels' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly prompts: TextPrompts;
  private readonly depth: number;
  private readonly length: number;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, tokenizer, classNames } = context;
    this.length = settings.number('n_ctx', { integer: true, min: 1 });
    this.depth = Math.min(
      settings.number('prompt_depth', { integer: true, min: 1 }),
      model.config.text.layers,
      model.config.vision.layers,
    );
    this.prompts = TextPrompts.build(model, tokenizer, classNames, {
      contextTokens: this.length,
      classTokenPosition: 'end',
      classSpecific: false,
      classesPerPass: settings.number('classes_per_pass', { integer: true, min: 0 }),
    });
    this.learnables = initialLearnables(
      context,
      this.depth,
      this.length,
      settings.number('injection_dim', { integer: true, min: 1 }),
    ).tensors;
  }

  classifier(tape: Tape): Classifier {
    const { text, visual } = fusedPrompts(tape, this.learnables);
    const n = this.length;
    const deeper = (this.depth - 1) * n;
    const context = sliceTokens(tape, text, 0, n);
    const ctx = reshape(tape, context, this.prompts.contextShape);
    tape.release(context);
    // The context sits at tokens 1..n of every prompt ([SOS][ctx]…): deep text prompts replace those.
    const features = this.prompts.textFeatures(
      tape,
      ctx,
      deeper > 0
        ? {
            inputs: [sliceTokens(tape, text, n, deeper)],
            layers: ([deep], t) => ({ beforeLayer: deepPromptReplacer(t, deep as Tensor, 1, n) }),
          }
        : undefined,
    );
    tape.release(ctx);
    tape.release(text);
    const shallow = sliceTokens(tape, visual, 0, n);
    const deep = deeper > 0 ? sliceTokens(tape, visual, n, deeper) : null;
    tape.release(visual);
    const { vision, logitScale } = this.context.model;
    return {
      logits: (t, pixels) => {
        const imageEmbeds = promptedImageFeatures(t, vision, pixels, shallow, deep);
        const logits = cosineLogits(t, imageEmbeds, features, logitScale);
        t.release(imageEmbeds);
        return logits;
      },
    };
  }

  /**
   * The first depth's text prompts after the Injection Model: they fill the context positions. Deeper rows
   * replace hidden states between layers, not token embeddings, so no vocabulary describes them.
   */
  async textContexts(tape: Tape): Promise<TextContext[]> {
    const width = this.context.model.config.text.hiddenSize;
    const first = (await fusedPrompts(tape, this.learnables).text.read()).slice(0, this.length * width);
    return [{ title: 'of the first layer, shared by every class', vectors: first, tokens: this.length }];
  }

  dispose(): void {
    this.prompts.dispose();
    for (const t of this.learnables.values()) t.free();
  }
}

export const mudpt: MethodDefinition = {
  ...methodEntry('mudpt'),
  create(context, hyperparameters) {
    return new MultimodalDeepSymphysisPromptTuning(
      context,
      new MethodSettings('mudpt', mudpt.defaults, hyperparameters, context),
    );
  },
};
