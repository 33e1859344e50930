/**
 * A method's learnables on the host and back, under their reference names: plain arrays for checkpoints
 * (readLearnables, writeLearnables), with their shapes for results and prompt sets (hostLearnables), and
 * prompts learnt elsewhere (setLearnables): MVLPT's stage 2 starts from the source prompt, the
 * transferability study runs one task's prompt on another task's classes, a multitask run's per-task set is
 * built from that task's kept weights. Setting works whenever the learnables do not depend on the class list
 * (a shared context, visual prompts, UPT's block); a class-specific context does not carry over, and the
 * error says which tensor differs.
 */
import type { HostTensor } from '../clip/clip-weights';
import { shapeString } from '../engine/tensor';
import type { PromptMethod } from '../methods/method';

/** Overwrites every learnable of `method` with the values of the same name; `from` names them in errors. */
export function setLearnables(
  method: PromptMethod,
  values: Readonly<Record<string, HostTensor>>,
  from: string,
): void {
  for (const [name, t] of method.learnables) {
    const value = values[name];
    if (!value) throw new Error(`${method.id}: ${from} has no tensor ${name}`);
    if (value.shape.length !== t.shape.length || value.shape.some((d, i) => d !== t.shape[i])) {
      throw new Error(
        `${method.id}: ${name} is ${shapeString(value.shape)} in ${from} but ${shapeString(t.shape)} here ` +
          '(class-specific contexts do not carry over to another class list)',
      );
    }
    t.backend.write(t, value.data);
  }
}

export function trainableParameterCount(method: PromptMethod): number {
  let count = 0;
  for (const t of method.learnables.values()) count += t.size;
  return count;
}

export async function readLearnables(method: PromptMethod): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of method.learnables) out[name] = await t.read();
  return out;
}

export function writeLearnables(method: PromptMethod, values: Record<string, Float32Array>): void {
  for (const [name, t] of method.learnables) {
    const data = values[name];
    if (data?.length !== t.size)
      throw new Error(`checkpoint: learnable ${name} is missing or the wrong size`);
    t.backend.write(t, data);
  }
}

/** `values` (read from `method`) with each learnable's shape. */
export function hostLearnables(
  method: PromptMethod,
  values: Record<string, Float32Array>,
): Record<string, HostTensor> {
  return Object.fromEntries(
    [...method.learnables].map(([name, t]) => [
      name,
      { shape: [...t.shape], data: values[name] as Float32Array },
    ]),
  );
}
