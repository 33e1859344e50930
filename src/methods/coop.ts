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
import type {
  Classifier,
  Hyperparameters,
  MethodContext,
  MethodDefinition,
  PromptMethod,
  TextContext,
} from './method';
import { CLASS_TOKEN_POSITIONS, initialContext, type TextPromptOptions, TextPrompts } from './text-prompts';

export const CONTEXT = 'prompt_learner.ctx';

/**
 * CoOp's prompt options from its hyperparameters (n_ctx, class_token_position, csc, classes_per_pass), as
 * the methods built on its prompts read them; `fixed` holds what a method pins instead of offering.
 */
export function contextPromptOptions(
  settings: MethodSettings,
  fixed: Partial<Pick<TextPromptOptions, 'classTokenPosition' | 'classSpecific'>> = {},
): TextPromptOptions {
  return {
    contextTokens: settings.number('n_ctx', { integer: true, min: 1 }),
    classTokenPosition:
      fixed.classTokenPosition ?? settings.choice('class_token_position', CLASS_TOKEN_POSITIONS),
    classSpecific: fixed.classSpecific ?? settings.boolean('csc'),
    classesPerPass: settings.number('classes_per_pass', { integer: true, min: 0 }),
  };
}

/** CoOp's prompts and its initial `prompt_learner.ctx`: set up alike by CoOp, CoCoOp and KgCoOp. */
export function contextPrompts(
  context: MethodContext,
  options: TextPromptOptions,
): { prompts: TextPrompts; ctx: Tensor } {
  const { model, tokenizer, classNames, seed } = context;
  const prompts = TextPrompts.build(model, tokenizer, classNames, options);
  return { prompts, ctx: initialContext(model, tokenizer, prompts.contextShape, seed) };
}

/** A context in TextPrompts' shape as text contexts: [n, C] shared by every class, or [K, n, C] one per class. */
export async function classContexts(classNames: readonly string[], ctx: Tensor): Promise<TextContext[]> {
  const values = await ctx.read();
  if (ctx.shape.length === 2)
    return [{ title: 'shared by every class', vectors: values, tokens: ctx.shape[0] as number }];
  const [classes, tokens, width] = ctx.shape as [number, number, number];
  return Array.from({ length: classes }, (_, k) => ({
    title: `of class “${classNames[k] ?? k}”`,
    vectors: values.slice(k * tokens * width, (k + 1) * tokens * width),
    tokens,
  }));
}

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
    const { prompts, ctx } = contextPrompts(context, contextPromptOptions(settings));
    this.prompts = prompts;
    this.learnables = new Map([[CONTEXT, ctx]]);
  }

  classifier(tape: Tape): Classifier {
    const text = this.prompts.textFeatures(tape, this.learnables.get(CONTEXT) as Tensor);
    const scale = this.context.model.logitScale;
    return { logits: (t, images) => cosineLogits(t, images, text, scale) };
  }

  /** The context itself: it fills every class's prompt as it is. */
  textContexts(): Promise<TextContext[]> {
    return classContexts(this.context.classNames, this.learnables.get(CONTEXT) as Tensor);
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
