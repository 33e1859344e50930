import { cocoop } from './cocoop';
import { coop } from './coop';
import { kgcoop } from './kgcoop';
import { linearProbe } from './linear-probe';
import type { MethodDefinition, MethodId } from './method';
import { mudpt } from './mudpt';
import { softcpt } from './softcpt';
import { upt } from './upt';
import { vptDeep, vptShallow } from './vpt';
import { zeroShot } from './zero-shot';

/** Every method the studio offers, by id; `satisfies` makes sure a new MethodId cannot be left out. */
export const methodDefinitions = {
  'zero-shot': zeroShot,
  'linear-probe': linearProbe,
  coop,
  'vpt-shallow': vptShallow,
  'vpt-deep': vptDeep,
  upt,
  mudpt,
  softcpt,
  cocoop,
  kgcoop,
} satisfies Record<MethodId, MethodDefinition>;

export function methodDefinition(id: MethodId): MethodDefinition {
  // Ids can come from outside the type system (a CLI argument, a saved session).
  const definition: MethodDefinition | undefined = methodDefinitions[id];
  if (!definition) throw new Error(`method '${id}' is not registered`);
  return definition;
}
