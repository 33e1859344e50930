/**
 * Zero-shot CLIP (Radford et al. 2021): nothing trains. Class text features come from hand-written
 * templates; with several templates, CLIP's prompt ensemble (normalise each prompt's embedding, average per
 * class, normalise). The same arithmetic as `src/clip/zero-shot.ts` (the CLI's host-side version), here on
 * the engine so the studio's trainer and evaluator treat it like any other method.
 */
import type { ClipModel } from '../clip/clip-model';
import type { ClipTokenizer } from '../clip/tokenizer';
import { classPrompts, parseTemplates } from '../clip/zero-shot';
import { cosineLogits } from '../engine/ops/cosine-logits';
import { l2Normalize } from '../engine/ops/l2-normalize';
import { matmul } from '../engine/ops/matmul';
import { reshape } from '../engine/ops/reshape';
import { concatTokens } from '../engine/ops/tokens';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { MethodSettings } from './hyperparameters';
import type { Classifier, Hyperparameters, MethodContext, MethodDefinition, PromptMethod } from './method';

/** Prompts per text-tower pass: bounds the activations alive at once for long class lists × templates. */
const PROMPTS_PER_PASS = 64;

/**
 * Frozen class text features [K, projection], unit rows: every template filled with every class name
 * through the text tower, then CLIP's ensemble over the templates. Owned by the caller.
 */
export function frozenClassFeatures(
  model: ClipModel,
  tokenizer: ClipTokenizer,
  classNames: readonly string[],
  templates: readonly string[],
): Tensor {
  const { ids } = tokenizer.encode(classPrompts(classNames, templates), model.config.text.maxPositions);
  const tape = new Tape(model.backend, false);
  try {
    const units: Tensor[] = [];
    for (let start = 0; start < ids.length; start += PROMPTS_PER_PASS) {
      const { textEmbeds, lastHiddenState } = model.text.forward(
        tape,
        ids.slice(start, start + PROMPTS_PER_PASS),
      );
      tape.release(lastHiddenState);
      units.push(l2Normalize(tape, textEmbeds));
      tape.release(textEmbeds);
    }
    const width = units[0]?.shape[1] as number;
    const unit =
      units.length === 1
        ? (units[0] as Tensor)
        : reshape(tape, concatTokens(tape, units), [ids.length, width]);
    if (templates.length === 1) return tape.detach(unit);
    // The per-class mean over templates as one matmul: averaging[k, k·T + t] = 1/T.
    const classes = classNames.length;
    const averaging = new Float32Array(classes * ids.length);
    for (let k = 0; k < classes; k++) {
      averaging.fill(
        1 / templates.length,
        k * ids.length + k * templates.length,
        k * ids.length + (k + 1) * templates.length,
      );
    }
    const mean = matmul(tape, tape.track(model.backend.tensor([classes, ids.length], averaging)), unit);
    return tape.detach(l2Normalize(tape, mean));
  } finally {
    tape.dispose();
  }
}

class ZeroShotClip implements PromptMethod {
  readonly id = 'zero-shot' as const;
  readonly input = 'image-features' as const;
  readonly learnables = new Map<string, Tensor>();
  private readonly classFeatures: Tensor;

  constructor(
    private readonly context: MethodContext,
    readonly hyperparameters: Hyperparameters,
    templates: readonly string[],
  ) {
    this.classFeatures = frozenClassFeatures(context.model, context.tokenizer, context.classNames, templates);
  }

  classifier(): Classifier {
    const { classFeatures } = this;
    const scale = this.context.model.logitScale;
    return { logits: (tape, images) => cosineLogits(tape, images, classFeatures, scale) };
  }

  dispose(): void {
    this.classFeatures.free();
  }
}

export const zeroShot: MethodDefinition = {
  ...methodEntry('zero-shot'),
  create(context, hyperparameters) {
    const settings = new MethodSettings('zero-shot', zeroShot.defaults, hyperparameters);
    return new ZeroShotClip(
      context,
      settings.values,
      parseTemplates(settings.string('templates'), 'zero-shot'),
    );
  },
};
