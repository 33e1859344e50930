import type { Backend } from '../backend';
import { opCases } from './op-cases';
import { drawInputs, evaluate, type OpCase } from './op-check';

/** One op case's forward output and the gradient of each differentiated input, as plain numbers. */
export interface CaseOutputs {
  output: number[];
  grads: number[][];
}

export interface EngineFingerprint {
  backend: string;
  seed: number;
  /** Keyed by op case name. */
  cases: Record<string, CaseOutputs>;
}

/**
 * What every op case computes on `backend` from the inputs `compareBackends` draws. The self-test compares a
 * backend with the CPU reference; this compares two WebGPU implementations (the browser's and Node's Dawn)
 * output by output, so a kernel that only goes wrong on one of them still shows.
 */
export async function engineFingerprint(
  backend: Backend,
  options: { cases?: OpCase[]; seed?: number } = {},
): Promise<EngineFingerprint> {
  const seed = options.seed ?? 7;
  const cases: Record<string, CaseOutputs> = {};
  for (const opCase of options.cases ?? opCases) {
    const { output, grads } = await evaluate(backend, opCase, drawInputs(opCase, seed), seed);
    cases[opCase.name] = { output: Array.from(output), grads: grads.map((g) => Array.from(g)) };
  }
  return { backend: backend.name, seed, cases };
}
