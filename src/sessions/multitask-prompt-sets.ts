/**
 * Prompt sets out of a multitask run: one per task, each a single-task prompt set that predicts on that
 * task's classes anywhere a prompt set does (the studio's Library and Predict, `predict`, PyTorch code).
 *
 * - Multitask CoOp / VPT / UPT (MVLPT): the task's kept weights are the single-task method's tensors (a
 *   shared context, visual prompts, the UPT block), so the set is that method's, with the task's classes.
 * - SoftCPT: what a task's classes are scored with is CoOp's prompt "[ctx_t] {class}." with the context the
 *   meta network writes for the task, ctx_t = f_t · W. The set is a CoOp set carrying ctx_t as
 *   `prompt_learner.ctx` (SoftCPT's n_ctx and class position), computed from the task's own kept weights;
 *   the meta network itself needs every task's name to run and does not fit a one-task file.
 */
import type { HostTensor } from '../clip/clip-weights';
import { Tape } from '../engine/tape';
import { CONTEXT } from '../methods/coop';
import type { Hyperparameters, MethodId } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import type { SoftContextSharing } from '../methods/softcpt';
import { setLearnables } from '../multitask/learnable-values';
import type { MultitaskResult, TaskOutcome } from '../multitask/multitask-trainer';
import type { ModelIdentity } from '../prompts/model-identity';
import type { PromptSet } from '../prompts/prompt-set';
import type { FrozenClip } from '../train/frozen-clip';

function promptSet(
  result: MultitaskResult,
  outcome: TaskOutcome,
  method: MethodId,
  hyperparameters: Hyperparameters,
  tensors: Record<string, HostTensor>,
  model: ModelIdentity,
  createdAt: Date,
): PromptSet {
  return {
    model,
    method,
    hyperparameters,
    task: { name: outcome.task, classes: [...outcome.classes] },
    tensors: new Map(Object.entries(tensors)),
    metrics: {
      testAccuracy: outcome.test.top1,
      validationAccuracy: outcome.best?.valAccuracy ?? null,
      perClassAccuracy: outcome.test.perClass,
      shots: result.shots,
      seed: result.seed,
      trainableParameters: result.trainableParameters,
      training: result.config,
    },
    createdAt: createdAt.toISOString(),
  };
}

/** ctx_t for task `index` of a SoftCPT run, from that task's kept weights, as [n_ctx, text width]. */
async function softcptContext(clip: FrozenClip, result: MultitaskResult, index: number): Promise<HostTensor> {
  const tasks = result.tasks.map((t) => ({ name: t.task, classes: t.classes }));
  const definition = methodDefinition('softcpt');
  const method = definition.create(
    {
      model: clip.model,
      tokenizer: clip.tokenizer,
      classNames: tasks.flatMap((t) => t.classes),
      tasks,
      seed: result.seed,
    },
    result.hyperparameters,
  ) as SoftContextSharing;
  const tape = new Tape(clip.model.backend, false);
  try {
    const outcome = result.tasks[index] as TaskOutcome;
    setLearnables(method, outcome.learnables, `the weights kept for ${outcome.task}`);
    const contexts = method.taskContexts(tape);
    const all = await contexts.read();
    const nCtx = Number(result.hyperparameters.n_ctx);
    const width = clip.model.config.text.hiddenSize;
    return { shape: [nCtx, width], data: all.slice(index * nCtx * width, (index + 1) * nCtx * width) };
  } finally {
    tape.dispose();
    method.dispose();
  }
}

/** The prompt set for task `index` of a multitask run (see above for what it carries). */
export async function taskPromptSet(
  result: MultitaskResult,
  index: number,
  clip: FrozenClip,
  model: ModelIdentity,
  createdAt = new Date(),
): Promise<PromptSet> {
  const outcome = result.tasks[index];
  if (!outcome) throw new Error(`the run has no task ${index}`);
  if (result.method !== 'softcpt') {
    return promptSet(
      result,
      outcome,
      result.method,
      result.hyperparameters,
      outcome.learnables,
      model,
      createdAt,
    );
  }
  const hyperparameters = {
    ...methodDefinition('coop').defaults,
    n_ctx: result.hyperparameters.n_ctx,
    class_token_position: result.hyperparameters.class_token_position,
  } as Hyperparameters;
  const context = await softcptContext(clip, result, index);
  return promptSet(result, outcome, 'coop', hyperparameters, { [CONTEXT]: context }, model, createdAt);
}

/** One prompt set per task of a multitask run, in its task order. */
export async function promptSetsFromMultitask(
  result: MultitaskResult,
  clip: FrozenClip,
  model: ModelIdentity,
  createdAt = new Date(),
): Promise<PromptSet[]> {
  const sets: PromptSet[] = [];
  for (const index of result.tasks.keys())
    sets.push(await taskPromptSet(result, index, clip, model, createdAt));
  return sets;
}
