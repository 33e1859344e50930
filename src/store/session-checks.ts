/**
 * What Train & compare checks before a session starts, as plain functions of the form and the tasks: every
 * hyperparameter against its range for the loaded model and the chosen tasks' names (the same specs the
 * worker checks again), and the shots against the images the classes have.
 */
import {
  type BoundsContext,
  boundsFor,
  hyperparameterProblem,
  MAX_TEXT_LENGTH,
} from '../methods/hyperparameter-bounds';
import type { HyperValue, MethodTask } from '../methods/method';
import { taskPhrase } from '../methods/method-tasks';
import type { StudioTask, TaskPayload } from '../tasks/studio-task';
import type { StudioState } from './studio-store';
import type { MethodChoice } from './training-plan';

/** The tasks a choice's prompts are built over: the first alone, or all of them for a multitask choice. */
const tasksOf = (choice: MethodChoice, tasks: readonly MethodTask[]) =>
  choice.kind === 'single' ? tasks.slice(0, 1) : tasks;

/** The texts whose token counts bound the choices' ranges (boundsFor asks for exactly these). */
export function boundTexts(tasks: readonly MethodTask[]): string[] {
  const texts = tasks.flatMap((task) => [...task.classes, taskPhrase(task.name)]);
  return [...new Set(texts.map((text) => text.slice(0, MAX_TEXT_LENGTH)))];
}

/** A choice's ranges on a model of this text context, from the counted texts (uncounted ones as 1 token). */
export function choiceBounds(
  choice: MethodChoice,
  tasks: readonly MethodTask[],
  textContext: number,
  tokenCounts: Readonly<Record<string, number>>,
): BoundsContext {
  const own = tasksOf(choice, tasks);
  return boundsFor(
    textContext,
    { tokenCount: (text) => tokenCounts[text] ?? 1 },
    own.flatMap((task) => task.classes),
    choice.kind === 'single' ? [] : own,
  );
}

/** Each hyperparameter of `values` outside its type or range, by key, in words. */
export function hyperparameterProblems(
  choice: MethodChoice,
  values: Readonly<Record<string, HyperValue>>,
  bounds: BoundsContext,
): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const problem = hyperparameterProblem(choice.method, key, value, bounds);
    if (problem) problems[key] = problem;
  }
  return problems;
}

/** A class and the images it has to sample shots from. */
export interface ClassPool {
  name: string;
  train: number;
}

/**
 * The shots a session trains with: never more than the largest class has (more would be the same run
 * under a larger number), and a note when they were lowered or a class has fewer; null when nothing to say.
 */
export function sessionShots(asked: number, task: string, pools: readonly ClassPool[]) {
  const largest = Math.max(0, ...pools.map((p) => p.train));
  const shots = largest > 0 ? Math.min(asked, largest) : asked;
  const short = pools.filter((p) => p.train < shots);
  const parts: string[] = [];
  if (shots < asked)
    parts.push(
      `${asked} shots asked, but no class of ${task} has more than ${largest} training images: ` +
        `runs use ${shots} shots per class`,
    );
  if (short.length > 0)
    parts.push(
      `${short.map((p) => `${p.name} has ${p.train}`).join(', ')}, and ` +
        `${short.length === 1 ? 'trains' : 'train'} on all ${short.length === 1 ? 'its' : 'their'} images`,
    );
  return { shots, note: parts.length > 0 ? `${parts.join('; ')}.` : null };
}

/** Each class of a task and how many training images it has to sample shots from. */
export function classPools(payload: TaskPayload): ClassPool[] {
  const train = payload.classes.map(() => 0);
  for (const image of payload.images)
    if (image.split === 'train') train[image.label] = (train[image.label] ?? 0) + 1;
  return payload.classes.map((name, i) => ({ name, train: train[i] ?? 0 }));
}

/**
 * Throws the first hyperparameter outside its range for the loaded model and these tasks' names, before
 * anything runs (the worker checks again when it builds the method).
 */
export async function checkHyperparameterRanges(
  studio: Pick<StudioState, 'model' | 'countTokens'>,
  choices: readonly MethodChoice[],
  values: ReadonlyMap<string, Readonly<Record<string, HyperValue>>>,
  tasks: readonly StudioTask[],
): Promise<void> {
  const { loaded } = studio.model;
  if (!loaded) return;
  const methodTasks = tasks.map((t) => ({ name: t.name, classes: t.classes.map((c) => c.name) }));
  const counts = (await studio.countTokens(boundTexts(methodTasks))) ?? {};
  for (const choice of choices) {
    const bounds = choiceBounds(choice, methodTasks, loaded.summary.text.contextLength, counts);
    const [problem] = Object.values(hyperparameterProblems(choice, values.get(choice.id) ?? {}, bounds));
    if (problem) throw new Error(`${choice.title}: ${problem}`);
  }
}
