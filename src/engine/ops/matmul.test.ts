import { describe, expect, it } from 'vitest';
import { scaledError } from '../check/op-check';
import { Random } from '../random';
import { testGpuBackend } from '../testing/backends';
import { MATMUL_VARIANTS, type MatmulSpec, matmulRaw, matmulRef, matmulSpec } from './matmul';

interface RawCase {
  name: string;
  spec: MatmulSpec;
  bias?: boolean;
  accumulate?: boolean;
}

const transposes = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

const everyTranspose = (name: string, m: number, n: number, k: number, batch: number): RawCase[] =>
  transposes.map(([transA, transB]) => ({
    name: `${name} ${batch}×${m}×${n}×${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`,
    spec: matmulSpec({ m, n, k, batch, transA, transB }),
  }));

/**
 * The op cases reach only the adapter's own kernel through the differentiable ops; these run every
 * variant on the paths those ops do not take (shared weights, bias with accumulate, tiny and K-tail sizes).
 */
const cases: RawCase[] = [
  ...everyTranspose('scalar loads', 13, 7, 11, 2),
  ...everyTranspose('vec4 loads', 20, 36, 24, 2),
  ...everyTranspose('past one tile, scalar', 67, 70, 33, 1),
  {
    name: 'weights shared across the batch (stride 0), bias, Bᵀ',
    spec: matmulSpec({ m: 9, n: 12, k: 8, batch: 3, transB: true, batchStrideB: 0 }),
    bias: true,
  },
  {
    name: 'weights shared across the batch (stride 0), scalar',
    spec: matmulSpec({ m: 6, n: 5, k: 7, batch: 3, batchStrideB: 0 }),
  },
  {
    name: 'tiny, α = −0.5, accumulating',
    spec: matmulSpec({ m: 3, n: 2, k: 2, alpha: -0.5 }),
    accumulate: true,
  },
  { name: 'vec4 Aᵀ with a K tail', spec: matmulSpec({ m: 8, n: 12, k: 7, transA: true }) },
  { name: 'one row', spec: matmulSpec({ m: 1, n: 9, k: 16, transB: true }), bias: true },
  {
    name: 'enough blocks for large workgroups, bias, accumulating',
    spec: matmulSpec({ m: 130, n: 72, k: 12, batch: 4, transB: true }),
    bias: true,
    accumulate: true,
  },
];

const storedSize = (stride: number, batch: number, rows: number, cols: number) =>
  (batch - 1) * stride + rows * cols;

describe.each(MATMUL_VARIANTS)('matmul kernel %s', (variant) => {
  it.each(cases)('$name matches the CPU reference', async ({ spec, bias, accumulate }) => {
    const gpu = await testGpuBackend();
    const random = new Random(5);
    const { m, n, k, batch } = spec;
    const aValues = random.normals(storedSize(spec.batchStrideA, batch, m, k));
    const bValues = random.normals(storedSize(spec.batchStrideB, batch, k, n));
    const biasValues = bias ? random.normals(n) : undefined;
    const start = random.normals(batch * m * n);
    const expected = accumulate ? Float64Array.from(start) : new Float64Array(batch * m * n);
    matmulRef(aValues, bValues, spec, expected, { bias: biasValues, accumulate });

    const a = gpu.tensor([aValues.length], aValues);
    const b = gpu.tensor([bValues.length], bValues);
    const biasTensor = biasValues && gpu.tensor([n], biasValues);
    const into = accumulate ? gpu.tensor([batch, m, n], start) : undefined;
    const outShape = [batch, m, n];
    const c = matmulRaw(gpu, { a, b, spec, outShape, bias: biasTensor, into, variant });
    expect(scaledError(await c.read(), expected)).toBeLessThanOrEqual(1e-5);
    for (const t of [a, b, c, biasTensor]) t?.free();
  });
});
