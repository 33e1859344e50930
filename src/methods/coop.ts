/**
 * CoOp, Context Optimization (Zhou et al., "Learning to Prompt for Vision-Language Models", IJCV 2022;
 * KaiyangZhou/CoOp `trainers/coop.py`). Learns `prompt_learner.ctx`, the context words of every class's
 * prompt; both towers stay frozen. Each step recomputes all classes' text features from the context through
 * the text tower, while the image features are the frozen tower's, cached by the trainer:
 * logits = exp(logit_scale) · cos(image, text).
 */
import { cosineLogits } from '../engine/ops/cosine-logits';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { MethodSettings } from './hyperparameters';
import type { Classifier, Hyperparameters, MethodContext, MethodDefinition, PromptMethod } from './method';
import { CLASS_TOKEN_POSITIONS, initialContext, TextPrompts } from './text-prompts';

export const CONTEXT = 'prompt_learner.ctx';

class ContextOptimization implements PromptMethod {
  readonly id = 'coop' as const;
  readonly input = 'image-features' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  private readonly prompts: TextPrompts;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, tokenizer, classNames, seed } = context;
    this.prompts = TextPrompts.build(model, tokenizer, classNames, {
      contextTokens: settings.number('n_ctx', { integer: true, min: 1 }),
      classTokenPosition: settings.choice('class_token_position', CLASS_TOKEN_POSITIONS),
      classSpecific: settings.boolean('csc'),
      classesPerPass: settings.number('classes_per_pass', { integer: true, min: 0 }),
    });
    this.learnables = new Map([[CONTEXT, initialContext(model, tokenizer, this.prompts.contextShape, seed)]]);
  }

  classifier(tape: Tape): Classifier {
    const text = this.prompts.textFeatures(tape, this.learnables.get(CONTEXT) as Tensor);
    const scale = this.context.model.logitScale;
    return { logits: (t, images) => cosineLogits(t, images, text, scale) };
  }

  dispose(): void {
    this.prompts.dispose();
    for (const t of this.learnables.values()) t.free();
  }
}

export const coop: MethodDefinition = {
  ...methodEntry('coop'),
  create(context, hyperparameters) {
    return new ContextOptimization(
      context,
      new MethodSettings('coop', coop.defaults, hyperparameters, context),
    );
  },
};
