import type { Backend } from '../backend';
import { CpuBackend } from '../cpu/cpu-backend';
import { opCases } from './op-cases';
import { type BackendComparison, compareBackends, finiteDifferenceCheck, type OpCase } from './op-check';

/**
 * The bars: GPU within 1e-5 of the CPU reference (scaled by the output's magnitude); the reference's
 * backward within 1e-6 of float64 central differences (h = 1e-5 leaves ~1e-9 truncation error).
 */
export const GPU_TOLERANCE = 1e-5;
export const FINITE_DIFFERENCE_TOLERANCE = 1e-6;

export interface OpReport extends BackendComparison {
  /** Worst finite-difference error of the CPU reference's backward, when that check was run. */
  finiteDifferenceError?: number;
  passed: boolean;
}

export interface SelfTestReport {
  backend: string;
  tolerance: { gpu: number; finiteDifference: number };
  ops: OpReport[];
  passed: boolean;
  seconds: number;
}

/**
 * Every op's forward and backward on `backend` against the CPU reference (and, optionally, the reference
 * against finite differences). Runs the same way in Node (CLI, tests) and in the studio's worker, so the
 * numbers can be compared across the two.
 */
export async function runEngineSelfTest(
  backend: Backend,
  options: { cases?: OpCase[]; finiteDifferences?: boolean; seed?: number } = {},
): Promise<SelfTestReport> {
  const started = performance.now();
  const reference = new CpuBackend();
  const reference64 = new CpuBackend('float64');
  const seed = options.seed ?? 7;
  const ops: OpReport[] = [];
  for (const opCase of options.cases ?? opCases) {
    const comparison = await compareBackends(opCase, reference, backend, seed);
    let passed =
      comparison.forwardError <= GPU_TOLERANCE && comparison.backwardErrors.every((e) => e <= GPU_TOLERANCE);
    const report: OpReport = { ...comparison, passed };
    if (options.finiteDifferences) {
      const fd = await finiteDifferenceCheck(opCase, reference64, seed + 4);
      report.finiteDifferenceError = Math.max(0, ...fd.errors);
      passed &&= report.finiteDifferenceError <= FINITE_DIFFERENCE_TOLERANCE;
      report.passed = passed;
    }
    ops.push(report);
  }
  return {
    backend: backend.name,
    tolerance: { gpu: GPU_TOLERANCE, finiteDifference: FINITE_DIFFERENCE_TOLERANCE },
    ops,
    passed: ops.every((op) => op.passed),
    seconds: (performance.now() - started) / 1000,
  };
}
