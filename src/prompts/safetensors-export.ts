/**
 * A prompt set as `.safetensors`, for use outside the studio (PyTorch, the reference implementations): the
 * tensors under the reference implementations' names (`prompt_learner.ctx`, `vpt_embeddings`, …) and the rest
 * of the document as string metadata, with the keys the method fixtures use (method, hyperparameters,
 * classNames as JSON).
 */
import { writeSafetensors } from '../engine/io/safetensors';
import { PROMPT_SET_FORMAT, PROMPT_SET_VERSION, type PromptSet } from './prompt-set';

export function promptSetSafetensors(set: PromptSet): Uint8Array {
  return writeSafetensors(set.tensors, {
    format: PROMPT_SET_FORMAT,
    version: String(PROMPT_SET_VERSION),
    method: set.method,
    hyperparameters: JSON.stringify(set.hyperparameters),
    classNames: JSON.stringify(set.task.classes),
    task: set.task.name,
    model: JSON.stringify(set.model),
    metrics: JSON.stringify(set.metrics),
    createdAt: set.createdAt,
  });
}
