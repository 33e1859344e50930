/**
 * Linear-probe CLIP: multinomial logistic regression on the frozen image features, L2-normalised as CLIP's
 * linear probes and CoOp's lpclip feed them. The head is [K, D] weights and [K] biases, zero at the start.
 *
 * CLIP's paper (and CoOp's lpclip) fit it with L-BFGS (scikit-learn's LogisticRegression) and sweep the L2
 * strength on a validation split. We train it with the common trainer's loop instead (its optimiser, weight
 * decay as the L2 term, the cosine schedule), so every method shares one code path; the sweep is left to
 * the user.
 */
import { l2Normalize } from '../engine/ops/l2-normalize';
import { linear } from '../engine/ops/matmul';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { MethodSettings } from './hyperparameters';
import { Learnables } from './learnables';
import type { Classifier, Hyperparameters, MethodContext, MethodDefinition, PromptMethod } from './method';

/** The head's names, as a torch nn.Linear classifier called `head` (timm's ViT and VPT's `Head`) has them. */
export const HEAD_WEIGHT = 'head.weight';
export const HEAD_BIAS = 'head.bias';

class LinearProbe implements PromptMethod {
  readonly id = 'linear-probe' as const;
  readonly input = 'image-features' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;

  constructor(
    context: MethodContext,
    readonly hyperparameters: Hyperparameters,
  ) {
    const classes = context.classNames.length;
    const learnables = new Learnables(context.model.backend, context.seed);
    learnables.fill(HEAD_WEIGHT, [classes, context.model.config.projectionDim], 0);
    learnables.fill(HEAD_BIAS, [classes], 0);
    this.learnables = learnables.tensors;
  }

  classifier(): Classifier {
    const weight = this.learnables.get(HEAD_WEIGHT) as Tensor;
    const bias = this.learnables.get(HEAD_BIAS) as Tensor;
    return {
      logits: (tape, images) => {
        const unit = l2Normalize(tape, images);
        const logits = linear(tape, unit, weight, bias);
        tape.release(unit);
        return logits;
      },
    };
  }

  dispose(): void {
    for (const t of this.learnables.values()) t.free();
  }
}

export const linearProbe: MethodDefinition = {
  ...methodEntry('linear-probe'),
  create(context, hyperparameters) {
    return new LinearProbe(
      context,
      new MethodSettings('linear-probe', linearProbe.defaults, hyperparameters).values,
    );
  },
};
