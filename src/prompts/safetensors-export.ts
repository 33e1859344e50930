/**
 * A prompt set as `.safetensors`, for use outside the studio (PyTorch, the reference implementations): the
 * tensors under the reference implementations' names (`prompt_learner.ctx`, `vpt_embeddings`, …) and the rest
 * of the document as string metadata, with the keys the method fixtures use (method, hyperparameters,
 * classNames as JSON). Such a file reads back through the JSON document's one parser (parsePromptSet).
 */
import { SafetensorsFile, writeSafetensors } from '../engine/io/safetensors';
import {
  encodeFloats,
  PROMPT_SET_FORMAT,
  PROMPT_SET_VERSION,
  type PromptSet,
  PromptSetError,
} from './prompt-set';

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

/**
 * The prompt-set document a `.safetensors` export holds, as the JSON text parsePromptSet checks: nothing is
 * trusted here that the JSON import would not check.
 */
export function promptSetTextOfSafetensors(bytes: Uint8Array): string {
  let file: SafetensorsFile;
  try {
    file = SafetensorsFile.parse(bytes);
  } catch (error) {
    throw new PromptSetError(`not a prompt set: ${(error as Error).message}`);
  }
  const { metadata } = file;
  if (metadata.format !== PROMPT_SET_FORMAT) {
    throw new PromptSetError(
      `not a prompt set: a safetensors file without the studio's metadata (format ${JSON.stringify(metadata.format ?? null)})`,
    );
  }
  const parsed = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? '');
    } catch {
      throw new PromptSetError(`not a prompt set: its metadata ${key} is not JSON`);
    }
  };
  const tensors = Object.fromEntries(
    file.names.map((name) => {
      const tensor = file.read(name);
      if (!(tensor.data instanceof Float32Array))
        throw new PromptSetError(`tensor ${name} is ${tensor.dtype}; a prompt set holds float32 tensors`);
      return [name, { shape: tensor.shape, dtype: 'float32', data: encodeFloats(tensor.data) }];
    }),
  );
  return JSON.stringify({
    format: metadata.format,
    version: Number(metadata.version),
    model: parsed('model'),
    method: metadata.method,
    hyperparameters: parsed('hyperparameters'),
    task: { name: metadata.task, classes: parsed('classNames') },
    tensors,
    metrics: parsed('metrics'),
    createdAt: metadata.createdAt,
  });
}
