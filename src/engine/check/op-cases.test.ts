import { describe, expect, it } from 'vitest';
import { cpu, cpu64, testGpuBackend } from '../testing/backends';
import { opCases } from './op-cases';
import { compareBackends, finiteDifferenceCheck } from './op-check';

/** The bar: GPU against the CPU reference within 1e-5 of the output's scale. */
const GPU_TOLERANCE = 1e-5;
/** Central differences in float64 with h = 1e-5 leave ~1e-9 truncation error; 1e-6 is a real bar. */
const FD_TOLERANCE = 1e-6;

describe.each(opCases)('$name', (opCase) => {
  it('GPU forward and backward match the CPU reference', async () => {
    const gpu = await testGpuBackend();
    const result = await compareBackends(opCase, cpu, gpu, 7);
    expect(result.forwardError).toBeLessThanOrEqual(GPU_TOLERANCE);
    for (const error of result.backwardErrors) expect(error).toBeLessThanOrEqual(GPU_TOLERANCE);
  });

  it('CPU backward matches central finite differences in float64', async () => {
    const result = await finiteDifferenceCheck(opCase, cpu64, 11);
    for (const error of result.errors) expect(error).toBeLessThanOrEqual(FD_TOLERANCE);
  });
});
