/**
 * A finished run as the studio's page keeps it: its numbers and its prompt set, not its tensors. Made in the
 * worker, where the towers are (SoftCPT's set needs the text tower to write its context), and sent as plain
 * data.
 */
import { methodDefinition } from '../methods/registry';
import type { MultitaskResult } from '../multitask/multitask-trainer';
import type { ModelIdentity } from '../prompts/model-identity';
import { promptSetFromResult, serializePromptSet } from '../prompts/prompt-set';
import { type PromptSetSummary, promptSetSummary } from '../prompts/prompt-set-summary';
import type { FrozenClip } from '../train/frozen-clip';
import type { TrainingResult } from '../train/trainer';
import { taskPromptSet } from './multitask-prompt-sets';

export interface RunReport {
  task: string;
  classes: string[];
  testAccuracy: number;
  perClassAccuracy: (number | null)[];
  /** confusion[true class][predicted class]: test image counts. */
  confusion: number[][];
  trainableParameters: number;
  seconds: number;
  epochsRun: number;
  /** The kept epoch's accuracy on the held-out shots; null without validation. */
  validationAccuracy: number | null;
  /** Base-to-novel runs: the novel classes and their test accuracy (`classes` are then the base ones). */
  novel: { classes: string[]; testAccuracy: number } | null;
  /**
   * The prompt-studio.prompts document and what the Library lists of it; null for SoftCPT, whose prompts
   * exist only for its group of tasks.
   */
  promptSet: { json: string; summary: PromptSetSummary } | null;
}

/** A set made from a run of another method says so: "SoftCPT (as CoOp) · shapes · 4-shot seed 1". */
function labelled(summary: PromptSetSummary, multitask: MultitaskResult | null): PromptSetSummary {
  if (!multitask || multitask.method === summary.method) return summary;
  const [made, ...rest] = summary.label.split(' · ');
  const trained = methodDefinition(multitask.method).title;
  return { ...summary, label: [`${trained} (as ${made})`, ...rest].join(' · ') };
}

/** A multitask run's set is task 0's (taskPromptSet: SoftCPT's is the CoOp context it writes for it). */
export async function runReport(
  result: TrainingResult,
  multitask: MultitaskResult | null,
  clip: FrozenClip,
  identity: ModelIdentity,
): Promise<RunReport> {
  const { test } = result;
  const set = multitask
    ? await taskPromptSet(multitask, 0, clip, identity)
    : promptSetFromResult(result, identity);
  return {
    task: result.task,
    classes: result.classes,
    testAccuracy: test.top1,
    perClassAccuracy: test.perClass,
    confusion: test.confusion,
    trainableParameters: result.trainableParameters,
    seconds: result.seconds,
    epochsRun: result.epochsRun,
    validationAccuracy: result.best?.valAccuracy ?? null,
    novel: result.novel ? { classes: result.novel.classes, testAccuracy: result.novel.test.top1 } : null,
    promptSet: set && { json: serializePromptSet(set), summary: labelled(promptSetSummary(set), multitask) },
  };
}
