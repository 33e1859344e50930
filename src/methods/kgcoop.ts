/**
 * KgCoOp, Knowledge-guided Context Optimization (Yao et al., "Visual-Language Prompt Tuning with
 * Knowledge-guided Context Optimization", CVPR 2023, §3.3; htyao89/KgCoOp `trainers/kgcoop.py`). CoOp's
 * prompts and logits, trained with a penalty that keeps each class's learnt text feature near the frozen
 * CLIP's feature of its hand-crafted prompt, so the context forgets less of what CLIP knew about unseen
 * classes:
 *
 *     L = L_ce + λ · (1/K) Σ_k ‖ŵ_k − ŵ_k^clip‖²      ŵ: unit text features, λ = 8
 *
 * as the paper's Eq. 4-5 write it, mean over the classes, on the normalised features the logits use (as
 * the authors' code normalises them), with the paper's λ = 8. Their code computes 8 · (1 − mean_k cos(ŵ_k,
 * ŵ_k^clip)) instead, half of this on unit vectors, so their runs penalise as λ = 4 does here. The
 * hand-crafted prompt is `template` ("{}" for the class name), "a photo of a {}." as the reference uses for
 * ImageNet and most of its datasets. Learns
 * `prompt_learner.ctx` only.
 */
import { fillTemplate } from '../clip/zero-shot';
import { cosineLogits } from '../engine/ops/cosine-logits';
import { add, scale } from '../engine/ops/elementwise';
import { l2Normalize } from '../engine/ops/l2-normalize';
import { matmul } from '../engine/ops/matmul';
import { reshape } from '../engine/ops/reshape';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { CONTEXT, classContexts, contextPromptOptions, contextPrompts } from './coop';
import { MethodSettings } from './hyperparameters';
import type {
  Classifier,
  Hyperparameters,
  MethodContext,
  MethodDefinition,
  PromptMethod,
  TextContext,
} from './method';
import type { TextPrompts } from './text-prompts';
import { frozenClassFeatures } from './zero-shot';

class KnowledgeGuidedContextOptimization implements PromptMethod {
  readonly id = 'kgcoop' as const;
  readonly input = 'image-features' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly prompts: TextPrompts;
  /** −ŵ^clip [K, D]: the hand-crafted prompts' unit features, negated once for the difference. */
  private readonly negatedClipFeatures: Tensor;
  private readonly weight: number;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, tokenizer, classNames } = context;
    this.weight = settings.number('lambda', { min: 0 });
    const template = settings.string('template');
    fillTemplate(template, 'x');
    const { prompts, ctx } = contextPrompts(context, contextPromptOptions(settings));
    this.prompts = prompts;
    const clip = frozenClassFeatures(model, tokenizer, classNames, [template]);
    const tape = new Tape(model.backend, false);
    try {
      this.negatedClipFeatures = tape.detach(scale(tape, clip, -1));
    } finally {
      tape.dispose();
      clip.free();
    }
    this.learnables = new Map([[CONTEXT, ctx]]);
  }

  classifier(tape: Tape): Classifier {
    const text = this.prompts.textFeatures(tape, this.learnables.get(CONTEXT) as Tensor);
    const penalty = this.penalty(tape, text);
    const scaleLogits = this.context.model.logitScale;
    return { logits: (t, images) => cosineLogits(t, images, text, scaleLogits), penalty };
  }

  /** CoOp's context: the penalty changes how it trains, not how the prompts read it. */
  textContexts(): Promise<TextContext[]> {
    return classContexts(this.context.classNames, this.learnables.get(CONTEXT) as Tensor);
  }

  dispose(): void {
    this.prompts.dispose();
    this.negatedClipFeatures.free();
    for (const t of this.learnables.values()) t.free();
  }

  /** λ · mean_k ‖ŵ_k − ŵ_k^clip‖², [1]: the flattened difference's dot product with itself. */
  private penalty(tape: Tape, text: Tensor): Tensor {
    const [classes, width] = text.shape as [number, number];
    const unit = l2Normalize(tape, text);
    const difference = add(tape, unit, this.negatedClipFeatures);
    tape.release(unit);
    const flat = reshape(tape, difference, [1, classes * width]);
    tape.release(difference);
    const squared = matmul(tape, flat, flat, { transB: true, alpha: this.weight / classes });
    tape.release(flat);
    const penalty = reshape(tape, squared, [1]);
    tape.release(squared);
    return penalty;
  }
}

export const kgcoop: MethodDefinition = {
  ...methodEntry('kgcoop'),
  create(context, hyperparameters) {
    return new KnowledgeGuidedContextOptimization(
      context,
      new MethodSettings('kgcoop', kgcoop.defaults, hyperparameters),
    );
  },
};
