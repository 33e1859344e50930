/**
 * SoftCPT, Soft Context Sharing for Prompt Tuning (Ding et al., "Prompt Tuning with Soft Context Sharing for
 * Vision-Language Models", arXiv 2208.13474; kding1225/softcpt `trainers/mtcoop.py`, in its NATA form: one
 * context per task, shared by the task's classes). A meta network shared by all tasks writes each task's
 * CoOp context from the task's name:
 *
 *     f_t   = text tower("[task context] {task name}.")     frozen tower, learnable task context shared by all
 *     ctx_t = reshape(f_t · W, [n_ctx, C])                  W: a bias-free linear layer, N(0, 0.02)
 *
 * and task t's classes are scored with CoOp's prompts "[ctx_t] {class}.". Only the task context and W train,
 * on every task's shots at once, so the tasks share their contexts softly, through W, rather than one
 * context for all. The classifier scores the union of the tasks' classes (method-tasks.ts); the multitask
 * trainer masks each sample to its own task's classes, which is the reference's per-task cross-entropy.
 *
 * As the reference: the task prompts are CoOp's "X … X {name}." (TaskPromptLearner) with a random
 * N(0, 0.02) context; f_t is the projected end-of-text feature, not normalised; W is PromptGen's `proj`
 * [D, n_ctx·C] applied as f_t·W. Task names are written with spaces for '_' and '-', as the reference
 * replaces '_'.
 */
import { cosineLogits } from '../engine/ops/cosine-logits';
import { matmul } from '../engine/ops/matmul';
import { reshape } from '../engine/ops/reshape';
import { concatTokens, sliceTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { methodEntry } from './catalog';
import { CONTEXT } from './coop';
import { MethodSettings } from './hyperparameters';
import { Learnables, learnable } from './learnables';
import type {
  Classifier,
  Hyperparameters,
  HyperValue,
  MethodContext,
  MethodDefinition,
  MethodTask,
  PromptMethod,
  SingleTaskPrompt,
} from './method';
import { taskPhrase, unionClassNames } from './method-tasks';
import { CLASS_TOKEN_POSITIONS, TextPrompts } from './text-prompts';

export const TASK_CONTEXT = 'task_prompt_learner.ctx';
export const META_NETWORK = 'prompt_gen.proj';
/** The reference's init of both: nn.init.normal_(std=0.02). */
const INIT_STD = 0.02;

function checkTasks(context: MethodContext): readonly MethodTask[] {
  const { tasks, classNames } = context;
  if (!tasks || tasks.length === 0) {
    throw new Error('softcpt: needs the tasks of a multitask run (train --method softcpt --tasks DIR,DIR,…)');
  }
  const union = unionClassNames(tasks);
  if (union.length !== classNames.length || union.some((name, k) => name !== classNames[k])) {
    throw new Error("softcpt: the class list must be the tasks' class lists concatenated in task order");
  }
  return tasks;
}

export class SoftContextSharing implements PromptMethod {
  readonly id = 'softcpt' as const;
  readonly input = 'image-features' as const;
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  /** "[task context] {task name}." for every task. */
  private readonly taskPrompts: TextPrompts;
  /** Each task's CoOp prompts, "[ctx_t] {class}.". */
  private readonly classPrompts: TextPrompts[];
  private readonly contextTokens: number;

  constructor(
    private readonly context: MethodContext,
    settings: MethodSettings,
  ) {
    this.hyperparameters = settings.values;
    const { model, tokenizer, seed } = context;
    const tasks = checkTasks(context);
    this.contextTokens = settings.number('n_ctx', { integer: true, min: 1 });
    const classOptions = {
      contextTokens: this.contextTokens,
      classTokenPosition: settings.choice('class_token_position', CLASS_TOKEN_POSITIONS),
      classSpecific: false,
      classesPerPass: settings.number('classes_per_pass', { integer: true, min: 0 }),
    };
    const built: TextPrompts[] = [];
    try {
      const taskOptions = {
        contextTokens: settings.number('task_n_ctx', { integer: true, min: 1 }),
        classTokenPosition: 'end' as const,
        classSpecific: false,
      };
      const phrases = tasks.map((task) => taskPhrase(task.name));
      built.push(TextPrompts.build(model, tokenizer, phrases, taskOptions));
      for (const task of tasks) built.push(TextPrompts.build(model, tokenizer, task.classes, classOptions));
    } catch (error) {
      for (const prompts of built) prompts.dispose();
      throw error;
    }
    [this.taskPrompts, ...this.classPrompts] = built as [TextPrompts, ...TextPrompts[]];
    const width = model.config.text.hiddenSize;
    const learnables = new Learnables(model.backend, seed);
    learnables.normal(TASK_CONTEXT, this.taskPrompts.contextShape, INIT_STD);
    learnables.normal(META_NETWORK, [model.config.projectionDim, this.contextTokens * width], INIT_STD);
    this.learnables = learnables.tensors;
  }

  /** Every task's generated context, [tasks, n_ctx·C]: row t is ctx_t flattened. */
  taskContexts(tape: Tape): Tensor {
    const features = this.taskPrompts.textFeatures(tape, learnable(this.learnables, TASK_CONTEXT));
    const contexts = matmul(tape, features, learnable(this.learnables, META_NETWORK));
    tape.release(features);
    return contexts;
  }

  classifier(tape: Tape): Classifier {
    const contexts = this.taskContexts(tape);
    const width = this.context.model.config.text.hiddenSize;
    const perTask = this.classPrompts.map((prompts, t) => {
      const row = sliceTokens(tape, contexts, t, 1);
      const ctx = reshape(tape, row, [this.contextTokens, width]);
      tape.release(row);
      const features = prompts.textFeatures(tape, ctx);
      tape.release(ctx);
      return features;
    });
    tape.release(contexts);
    // [K_t, D] parts stacked along the classes into [1, K, D], then the union's [K, D].
    const joined = concatTokens(tape, perTask);
    for (const part of perTask) tape.release(part);
    const text = reshape(tape, joined, [joined.shape[1] as number, joined.shape[2] as number]);
    tape.release(joined);
    const scale = this.context.model.logitScale;
    return { logits: (t, images) => cosineLogits(t, images, text, scale) };
  }

  /**
   * Task `task` is scored with CoOp's prompt "[ctx_t] {class}.", so its single-task set is a CoOp set
   * carrying ctx_t as `prompt_learner.ctx` with SoftCPT's n_ctx and class position; the meta network itself
   * needs every task's name to run and does not fit a one-task set.
   */
  async singleTaskPrompt(tape: Tape, task: number): Promise<SingleTaskPrompt> {
    const width = this.context.model.config.text.hiddenSize;
    const size = this.contextTokens * width;
    const all = await this.taskContexts(tape).read();
    return {
      method: 'coop',
      hyperparameters: {
        ...methodEntry('coop').defaults,
        n_ctx: this.contextTokens,
        class_token_position: this.hyperparameters.class_token_position as HyperValue,
      },
      tensors: {
        [CONTEXT]: { shape: [this.contextTokens, width], data: all.slice(task * size, (task + 1) * size) },
      },
    };
  }

  dispose(): void {
    this.taskPrompts.dispose();
    for (const prompts of this.classPrompts) prompts.dispose();
    for (const t of this.learnables.values()) t.free();
  }
}

export const softcpt: MethodDefinition = {
  ...methodEntry('softcpt'),
  create(context, hyperparameters) {
    return new SoftContextSharing(
      context,
      new MethodSettings('softcpt', softcpt.defaults, hyperparameters, context),
    );
  },
};
