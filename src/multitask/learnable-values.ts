/**
 * Starting a method from prompts learnt elsewhere: MVLPT's stage 2 starts from the source prompt, and the
 * transferability study runs one task's prompt on another task's classes. Works whenever the learnables do
 * not depend on the class list (a shared context, visual prompts, UPT's block); a class-specific context
 * does not carry over, and the error says which tensor differs.
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
