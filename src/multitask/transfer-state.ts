/**
 * What a transferability study has done so far, as one plain object keyed by task name: each task's trained
 * prompt and every measured cell. It is all a study needs to resume: prompts are never trained twice and
 * cells never measured twice, and a study over more tasks reuses whatever it shares with the state. The
 * settings every prompt and cell depend on (model, method and its hyperparameters, shots, seed, training
 * recipe, each task's classes) are recorded, and a study with other settings is refused rather than mixed
 * in. On disk it is JSON, tensors as base64 of little-endian float32 (as prompt sets store them).
 */
import type { HostTensor } from '../clip/clip-weights';
import type { Hyperparameters, MethodId } from '../methods/method';
import { decodeFloats, encodeFloats } from '../prompts/prompt-set';
import type { BestEpoch, TrainingConfig } from '../train/trainer';
import type { TransferMatrix } from './transfer-matrix';
import {
  isObject,
  readTransferStateJson,
  TRANSFER_STATE_FORMAT,
  TRANSFER_STATE_VERSION,
} from './transfer-state-json';

export interface TrainedPrompt {
  /** On its own task's test set. */
  testAccuracy: number;
  best: BestEpoch | null;
  learnables: Record<string, HostTensor>;
}

/** The settings every prompt and cell of a state depends on. */
export interface TransferSettings {
  /** The frozen model's identity (its weights' digest). */
  model: string;
  method: MethodId;
  /** Resolved: the method's defaults with the study's over them. */
  hyperparameters: Hyperparameters;
  shots: number;
  seed: number;
  config: TrainingConfig;
}

export interface TransferState extends TransferSettings {
  /** Every task the state has a prompt or a cell of, with its classes. */
  tasks: Record<string, string[]>;
  prompts: Record<string, TrainedPrompt>;
  /** cells[source][target]: top-1 on target's test set of the prompt trained on source. */
  cells: Record<string, Record<string, number>>;
}

export function emptyTransferState(settings: TransferSettings): TransferState {
  return { ...settings, tasks: {}, prompts: {}, cells: {} };
}

/** Throws naming the first setting or task that differs: the state's work does not apply to this study. */
export function checkResumable(
  state: TransferState,
  settings: TransferSettings,
  tasks: readonly { name: string; classes: readonly string[] }[],
): void {
  for (const key of ['model', 'method', 'hyperparameters', 'shots', 'seed', 'config'] as const) {
    const saved = JSON.stringify(state[key]);
    const now = JSON.stringify(settings[key]);
    if (saved !== now) {
      throw new Error(`cannot resume: the state's ${key} is ${saved}, this study's ${now}`);
    }
  }
  for (const { name, classes } of tasks) {
    const saved = state.tasks[name];
    if (saved && saved.join('\n') !== classes.join('\n')) {
      throw new Error(
        `cannot resume: task ${name} has classes ${JSON.stringify(saved)} in the state, ` +
          `${JSON.stringify(classes)} now`,
      );
    }
  }
}

/** The state's cells among `tasks`, in that order. */
export function stateMatrix(state: TransferState, tasks: readonly string[]): TransferMatrix {
  return {
    tasks: [...tasks],
    accuracy: tasks.map((source) => tasks.map((target) => state.cells[source]?.[target] ?? null)),
  };
}

export function serializeTransferState(state: TransferState): string {
  const prompts = Object.fromEntries(
    Object.entries(state.prompts).map(([task, prompt]) => [
      task,
      {
        ...prompt,
        learnables: Object.fromEntries(
          Object.entries(prompt.learnables).map(([name, t]) => [
            name,
            { shape: t.shape, dtype: 'float32', data: encodeFloats(t.data) },
          ]),
        ),
      },
    ]),
  );
  return JSON.stringify({
    format: TRANSFER_STATE_FORMAT,
    version: TRANSFER_STATE_VERSION,
    ...state,
    prompts,
  });
}

export function parseTransferState(text: string): TransferState {
  const json = readTransferStateJson(text);
  const { format: _, version: __, prompts, ...rest } = json;
  if (!isObject(prompts)) throw new Error('transfer state: prompts must be an object');
  const decoded: Record<string, TrainedPrompt> = {};
  for (const [task, entry] of Object.entries(prompts)) {
    if (!isObject(entry) || !isObject(entry.learnables)) {
      throw new Error(`transfer state: prompt ${task} has no learnables`);
    }
    const learnables: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(entry.learnables)) {
      const { shape, data } = (t ?? {}) as { shape?: number[]; data?: string };
      if (!Array.isArray(shape) || typeof data !== 'string') {
        throw new Error(`transfer state: prompt ${task}'s tensor ${name} needs shape and data`);
      }
      learnables[name] = { shape, data: decodeFloats(`${task}/${name}`, data, shape) };
    }
    decoded[task] = {
      testAccuracy: entry.testAccuracy as number,
      best: (entry.best ?? null) as BestEpoch | null,
      learnables,
    };
  }
  return { ...(rest as unknown as Omit<TransferState, 'prompts'>), prompts: decoded };
}
