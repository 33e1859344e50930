import type { PromptMethod } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import type { FrozenClip } from '../train/frozen-clip';
import { loadPromptSetTensors, type PromptSet } from './prompt-set';

/**
 * The set's method rebuilt from the registry with its stored hyperparameters and class names, its tensors
 * loaded; the set should have passed parsePromptSet with this model. The caller disposes of it.
 */
export function promptSetMethod(set: PromptSet, clip: FrozenClip): PromptMethod {
  const method = methodDefinition(set.method).create(
    { model: clip.model, tokenizer: clip.tokenizer, classNames: set.task.classes, seed: 0 },
    set.hyperparameters,
  );
  try {
    loadPromptSetTensors(set, method);
    return method;
  } catch (error) {
    method.dispose();
    throw error;
  }
}
