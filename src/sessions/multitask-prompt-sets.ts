/**
 * Prompt sets out of a multitask run: one per task, each a single-task prompt set that predicts on that
 * task's classes anywhere a prompt set does (the studio's Library and Predict, `predict`, PyTorch code).
 *
 * - Multitask CoOp / VPT / UPT (MVLPT): the task's kept weights are the single-task method's tensors (a
 *   shared context, visual prompts, the UPT block), so the set is that method's, with the task's classes.
 * - A method defined over several tasks (SoftCPT, the catalog's `requiresTasks`) does not fit a one-task
 *   file; it says what a task's prompt is as another method's set (SoftCPT: a CoOp set carrying the context
 *   its meta network writes for the task), computed from the task's own kept weights.
 */
import { Tape } from '../engine/tape';
import { methodEntry } from '../methods/catalog';
import type { SingleTaskPrompt } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import type { MultitaskResult, TaskOutcome } from '../multitask/multitask-trainer';
import type { ModelIdentity } from '../prompts/model-identity';
import type { PromptSet } from '../prompts/prompt-set';
import type { FrozenClip } from '../train/frozen-clip';
import { setLearnables } from '../train/learnable-values';

function promptSet(
  result: MultitaskResult,
  outcome: TaskOutcome,
  { method, hyperparameters, tensors }: SingleTaskPrompt,
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

/**
 * Task `index`'s prompt as a single-task prompt set holds it, from that task's kept weights, for a method
 * defined over several tasks (its singleTaskPrompt).
 */
async function singleTaskPrompt(
  clip: FrozenClip,
  result: MultitaskResult,
  index: number,
): Promise<SingleTaskPrompt> {
  const tasks = result.tasks.map((t) => ({ name: t.task, classes: t.classes }));
  const method = methodDefinition(result.method).create(
    {
      model: clip.model,
      tokenizer: clip.tokenizer,
      classNames: tasks.flatMap((t) => t.classes),
      tasks,
      seed: result.seed,
    },
    result.hyperparameters,
  );
  const tape = new Tape(clip.model.backend, false);
  try {
    if (!method.singleTaskPrompt)
      throw new Error(`${result.method}: no single-task prompt set for one of its tasks`);
    const outcome = result.tasks[index] as TaskOutcome;
    setLearnables(method, outcome.learnables, `the weights kept for ${outcome.task}`);
    return await method.singleTaskPrompt(tape, index);
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
  const single = methodEntry(result.method).requiresTasks
    ? await singleTaskPrompt(clip, result, index)
    : { method: result.method, hyperparameters: result.hyperparameters, tensors: outcome.learnables };
  return promptSet(result, outcome, single, model, createdAt);
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
