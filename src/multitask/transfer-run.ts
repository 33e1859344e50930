/**
 * The transferability study (MVLPT §4.3) for one method over N tasks: each task's prompt trained alone on its
 * K shots (the single-task trainer, trainer.ts), then applied with no further training to every other task,
 * giving the N×N accuracies of transfer-matrix.ts. Applying a prompt to a target means building the method
 * for the target's classes and loading the source's learnables: CoOp's learnt context with the target's
 * class names, VPT's visual prompts with the target's frozen text classifier, UPT both.
 *
 * Progress is kept in a TransferState (transfer-state.ts) that `onState` hears after every trained prompt
 * and every measured cell, so the caller can persist it: a cancelled or lost run resumes from it without
 * redoing anything. Deterministic for a seed: training is, and applying a prompt draws nothing at random.
 */
import { MethodSettings } from '../methods/hyperparameters';
import type { Hyperparameters, MethodDefinition } from '../methods/method';
import { evaluationReport, methodLogits } from '../train/evaluate';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import { setLearnables } from '../train/learnable-values';
import { methodInputs } from '../train/method-inputs';
import { type TaskData, withTaskIds } from '../train/task-data';
import { resolveConfig, type TrainingConfig, type TrainingEvent, trainRun } from '../train/trainer';
import { TrainingControl } from '../train/training-control';
import type { TransferMatrix } from './transfer-matrix';
import {
  checkResumable,
  emptyTransferState,
  stateMatrix,
  type TrainedPrompt,
  type TransferSettings,
  type TransferState,
} from './transfer-state';

export interface TransferStudy {
  clip: FrozenClip;
  /** The frozen model's identity (its weights' digest), recorded in the state. */
  model: string;
  method: MethodDefinition;
  hyperparameters?: Hyperparameters;
  tasks: readonly TaskData[];
  shots: number;
  seed: number;
  config?: Partial<TrainingConfig>;
  featureCache?: FeatureCache;
}

export type TransferEvent =
  | { type: 'training'; source: string; event: TrainingEvent }
  | { type: 'prompt'; source: string; testAccuracy: number }
  | { type: 'cell'; source: string; target: string; accuracy: number; done: number; total: number };

export interface TransferHooks {
  onEvent?: (event: TransferEvent) => void;
  /** Hears the state after each change; persist it to resume later. */
  onState?: (state: TransferState) => void | Promise<void>;
  control?: TrainingControl;
}

export interface TransferOutcome {
  status: 'completed' | 'cancelled';
  state: TransferState;
  /** Over the study's tasks, in its order. */
  matrix: TransferMatrix;
}

/**
 * The tasks with their training pools as their "test" images: a matrix measured on these chooses adaptation
 * groups without looking at the images the groups are then scored on. (Off the diagonal no prompt has seen a
 * target's images; the diagonal, a task's own shots among its pool, does not enter the choice of partners.)
 */
export function onTrainingPools(tasks: readonly TaskData[]): TaskData[] {
  return tasks.map((task) => ({ ...task, test: task.train }));
}

/** The settings a study's state records; throws for a method that cannot be studied this way. */
export function transferSettings(study: TransferStudy): TransferSettings {
  const { method } = study;
  if (!method.training) throw new Error(`${method.id} learns nothing: there is no prompt to transfer`);
  if (method.requiresTasks)
    throw new Error(`${method.id} trains several tasks together: it has no per-task prompt`);
  return {
    model: study.model,
    method: method.id,
    hyperparameters: new MethodSettings(method.id, method.defaults, study.hyperparameters).values,
    shots: study.shots,
    seed: study.seed,
    config: resolveConfig(method.training, study.config),
  };
}

/** Runs (or resumes, from `state`) the study; resolves when every cell is measured or the run is cancelled. */
export async function runTransfer(
  study: TransferStudy,
  state: TransferState | null,
  hooks: TransferHooks = {},
): Promise<TransferOutcome> {
  const settings = transferSettings(study);
  const tasks = study.tasks.map(withTaskIds);
  const names = tasks.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new Error('transfer: two tasks have the same name');
  if (state) checkResumable(state, settings, tasks);
  const current = state ?? emptyTransferState(settings);
  const emit = hooks.onEvent ?? (() => {});
  const control = hooks.control ?? new TrainingControl();
  const featureCache =
    study.featureCache ??
    (study.method.input === 'image-features' ? new FeatureCache(study.clip) : undefined);
  const total = tasks.length * tasks.length;
  const done = () =>
    names.reduce((n, s) => n + names.filter((t) => current.cells[s]?.[t] !== undefined).length, 0);
  const record = async (source: string, target: TaskData, accuracy: number) => {
    current.tasks[target.name] = [...target.classes];
    current.cells[source] = { ...current.cells[source], [target.name]: accuracy };
    await hooks.onState?.(current);
    emit({ type: 'cell', source, target: target.name, accuracy, done: done(), total });
  };
  const outcome = (status: TransferOutcome['status']) => ({
    status,
    state: current,
    matrix: stateMatrix(current, names),
  });

  for (const source of tasks) {
    const pending = tasks.filter((target) => current.cells[source.name]?.[target.name] === undefined);
    if (pending.length === 0) continue;
    let prompt = current.prompts[source.name];
    if (!prompt) {
      const trained = await trainRun(
        {
          clip: study.clip,
          method: study.method,
          hyperparameters: study.hyperparameters,
          task: source,
          shots: study.shots,
          seed: study.seed,
          config: study.config,
          featureCache,
        },
        { control, onEvent: (event) => emit({ type: 'training', source: source.name, event }) },
      );
      if (trained.status === 'cancelled') return outcome('cancelled');
      prompt = { testAccuracy: trained.test.top1, best: trained.best, learnables: trained.learnables };
      current.prompts[source.name] = prompt;
      current.tasks[source.name] = [...source.classes];
      emit({ type: 'prompt', source: source.name, testAccuracy: prompt.testAccuracy });
      // The run's own test accuracy is the diagonal cell: the same prompt on the same images.
      await record(source.name, source, prompt.testAccuracy);
    }
    for (const target of pending) {
      if (current.cells[source.name]?.[target.name] !== undefined) continue;
      if (control.state === 'cancelled') return outcome('cancelled');
      await record(
        source.name,
        target,
        await promptAccuracy(study, featureCache, source.name, prompt, target),
      );
    }
  }
  return outcome('completed');
}

/** Top-1 on `target`'s test set of the method built for its classes, carrying `prompt`'s learnables. */
async function promptAccuracy(
  study: TransferStudy,
  featureCache: FeatureCache | undefined,
  source: string,
  prompt: TrainedPrompt,
  target: TaskData,
): Promise<number> {
  const { clip } = study;
  const { inputs, cache } = methodInputs(clip, study.method.input, featureCache, false);
  await cache?.add(target.test);
  const method = study.method.create(
    { model: clip.model, tokenizer: clip.tokenizer, classNames: target.classes, seed: study.seed },
    study.hyperparameters,
  );
  try {
    setLearnables(method, prompt.learnables, `the prompt trained on ${source}`);
    const logits = await methodLogits(clip.model.backend, method, inputs, target.test);
    return evaluationReport(
      logits,
      target.test.map((e) => e.label),
    ).top1;
  } finally {
    method.dispose();
  }
}
