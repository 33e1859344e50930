/**
 * Visual Prompt Tuning (Jia et al., ECCV 2022) on CLIP's image tower, as MVLPT (Shen et al.,
 * sIncerass/MVLPT `trainers/mvlpt.py`) runs it. p learnable tokens enter after the patch embeddings,
 * positions and pre_layrnorm, between CLS and the patches, without position embeddings:
 * x = [cls, vpt_embeddings, patches]. VPT-shallow feeds them to the first layer only and lets the layers
 * carry them on; VPT-deep also replaces the prompt tokens' outputs of layer i−1 with
 * vpt_embeddings_deep[i−1] before every later layer i. The text side is frozen: class features from
 * "a photo of a {}." computed once.
 */
import { cosineLogits } from '../engine/ops/cosine-logits';
import { reshape } from '../engine/ops/reshape';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { promptedImageFeatures } from './deep-prompts';
import { MethodSettings } from './hyperparameters';
import { Learnables } from './learnables';
import type { Classifier, Hyperparameters, MethodContext, MethodDefinition, PromptMethod } from './method';
import { frozenClassFeatures } from './zero-shot';

export const VPT_EMBEDDINGS = 'vpt_embeddings';
export const VPT_EMBEDDINGS_DEEP = 'vpt_embeddings_deep';

type Variant = 'vpt-shallow' | 'vpt-deep';

/**
 * MVLPT's VPT initialisation: uniform(−b, b) with b = √(6 / (3·patch² + width)), the Xavier bound of the
 * patch projection (fan-in 3·patch², fan-out width); shallow prompts drawn first, then the deep ones.
 */
function initialPrompts(context: MethodContext, variant: Variant, prompts: number): Map<string, Tensor> {
  const { backend, config } = context.model;
  const { channels, patchSize, hiddenSize: width, layers } = config.vision;
  if (variant === 'vpt-deep' && layers < 2) throw new Error('vpt-deep: the image tower has one layer');
  const bound = Math.sqrt(6 / (channels * patchSize * patchSize + width));
  const learnables = new Learnables(backend, context.seed);
  learnables.uniform(VPT_EMBEDDINGS, [1, prompts, width], bound);
  if (variant === 'vpt-deep') learnables.uniform(VPT_EMBEDDINGS_DEEP, [layers - 1, prompts, width], bound);
  return learnables.tensors;
}

class VisualPromptTuning implements PromptMethod {
  readonly input = 'pixels' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly classFeatures: Tensor;

  constructor(
    readonly id: Variant,
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const prompts = settings.number('n_ctx', { integer: true, min: 1 });
    const { model, tokenizer, classNames } = context;
    const template = settings.string('template');
    this.learnables = initialPrompts(context, id, prompts);
    this.classFeatures = frozenClassFeatures(model, tokenizer, classNames, [template]);
  }

  classifier(): Classifier {
    const { classFeatures } = this;
    const scale = this.context.model.logitScale;
    return {
      logits: (tape, pixels) => {
        const imageEmbeds = this.imageFeatures(tape, pixels);
        const logits = cosineLogits(tape, imageEmbeds, classFeatures, scale);
        tape.release(imageEmbeds);
        return logits;
      },
    };
  }

  dispose(): void {
    this.classFeatures.free();
    for (const t of this.learnables.values()) t.free();
  }

  /** pixel_values [B, 3, S, S] → prompted image embeddings [B, projection]. */
  private imageFeatures(tape: Tape, pixels: Tensor): Tensor {
    const vision = this.context.model.vision;
    const shallow = this.learnables.get(VPT_EMBEDDINGS) as Tensor;
    const deep = this.learnables.get(VPT_EMBEDDINGS_DEEP);
    const width = shallow.shape[2] as number;
    // The deep prompts as one token sequence [1, (layers − 1)·p, C]: layer i's are tokens [(i−1)·p, i·p).
    const deepTokens = deep ? reshape(tape, deep, [1, deep.size / width, width]) : null;
    const imageEmbeds = promptedImageFeatures(tape, vision, pixels, shallow, deepTokens);
    if (deepTokens) tape.release(deepTokens);
    return imageEmbeds;
  }
}

function vptDefinition(id: Variant): MethodDefinition {
  const definition: MethodDefinition = {
    ...methodEntry(id),
    create(context, hyperparameters) {
      return new VisualPromptTuning(
        id,
        context,
        new MethodSettings(id, definition.defaults, hyperparameters, context),
      );
    },
  };
  return definition;
}

export const vptShallow = vptDefinition('vpt-shallow');

export const vptDeep = vptDefinition('vpt-deep');
