import type { Backend } from '../engine/backend';
import type { ParsedArgs } from './args';
import { backendChoice, openChosenBackend } from './backend-choice';

/** WebGPU through Dawn unless `--backend` (or `--cpu`) asks for another. */
export async function openCommandBackend(args: ParsedArgs): Promise<Backend> {
  return (await openChosenBackend(backendChoice(args, 'webgpu'))).backend;
}
