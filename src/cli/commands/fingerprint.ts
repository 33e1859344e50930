import { engineFingerprint } from '../../engine/check/engine-fingerprint';
import type { ParsedArgs } from '../args';
import { openCommandBackend } from '../engine-backend';
import { emit } from '../output';

/** Every op case's outputs and gradients on this backend: the e2e compares them with the browser's. */
export async function fingerprint(args: ParsedArgs): Promise<number> {
  const result = await engineFingerprint(await openCommandBackend(args));
  emit(
    args.options.has('json'),
    result,
    () => `${Object.keys(result.cases).length} op cases on ${result.backend}`,
  );
  return 0;
}
