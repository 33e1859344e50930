import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { opCases } from '../check/op-cases';
import { compareBackends, scaledError } from '../check/op-check';
import { type MatmulSpec, matmulRaw, matmulRef, matmulSpec } from '../ops/matmul';
import { Random } from '../random';
import { cpu, testWasmBackend } from '../testing/backends';
import { WasmBackend } from './wasm-backend';
import { relaxedSimdSupported } from './wasm-kernels';

/** The GPU's bar: float32 kernels within 1e-5 of the CPU reference, scaled by the output's magnitude. */
const TOLERANCE = 1e-5;

describe.each(opCases)('wasm backend: $name', (opCase) => {
  it('forward and backward match the CPU reference', async () => {
    const result = await compareBackends(opCase, cpu, await testWasmBackend(), 7);
    expect(result.forwardError).toBeLessThanOrEqual(TOLERANCE);
    for (const error of result.backwardErrors) expect(error).toBeLessThanOrEqual(TOLERANCE);
  });
});

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

/** Sizes past kernels/matmul.c's blocks (MC 128, KC 256, NC 2048) and off its 4×8 register tile. */
const cases: RawCase[] = [
  ...transposes.flatMap(([transA, transB]) => [
    {
      name: `edges 2×13×7×11${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`,
      spec: matmulSpec({ m: 13, n: 7, k: 11, batch: 2, transA, transB }),
    },
    {
      name: `several blocks 300×70×600${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}, bias`,
      spec: matmulSpec({ m: 300, n: 70, k: 600, transA, transB }),
      bias: true,
    },
  ]),
  { name: 'past one column block, bias', spec: matmulSpec({ m: 5, n: 2100, k: 9 }), bias: true },
  {
    name: 'weights shared across the batch (stride 0), bias, Bᵀ, accumulating over K blocks',
    spec: matmulSpec({ m: 9, n: 12, k: 520, batch: 3, transB: true, batchStrideB: 0 }),
    bias: true,
    accumulate: true,
  },
  { name: 'tiny, α = −0.5', spec: matmulSpec({ m: 3, n: 2, k: 2, alpha: -0.5 }), accumulate: true },
  { name: 'k = 0 leaves bias', spec: matmulSpec({ m: 3, n: 5, k: 0 }), bias: true },
];

const storedSize = (stride: number, batch: number, rows: number, cols: number) =>
  (batch - 1) * stride + rows * cols;

async function matmulError(backend: WasmBackend, { spec, bias, accumulate }: RawCase): Promise<number> {
  const random = new Random(5);
  const { m, n, k, batch } = spec;
  const aValues = random.normals(storedSize(spec.batchStrideA, batch, m, k));
  const bValues = random.normals(storedSize(spec.batchStrideB, batch, k, n));
  const biasValues = bias ? random.normals(n) : undefined;
  const start = random.normals(batch * m * n);
  const expected = accumulate ? Float64Array.from(start) : new Float64Array(batch * m * n);
  matmulRef(aValues, bValues, spec, expected, { bias: biasValues, accumulate });

  const a = backend.tensor([Math.max(1, aValues.length)], aValues.length ? aValues : [0]);
  const b = backend.tensor([Math.max(1, bValues.length)], bValues.length ? bValues : [0]);
  const biasTensor = biasValues && backend.tensor([n], biasValues);
  const into = accumulate ? backend.tensor([batch, m, n], start) : undefined;
  const c = matmulRaw(backend, { a, b, spec, outShape: [batch, m, n], bias: biasTensor, into });
  const error = scaledError(await c.read(), expected);
  for (const t of [a, b, c, biasTensor]) t?.free();
  return error;
}

describe('wasm matmul', () => {
  it.each(cases)('$name matches the float64 reference', async (matmulCase) => {
    expect(await matmulError(await testWasmBackend(), matmulCase)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('runs the same in the relaxed-SIMD build (V8 flag on: Node 20 ships relaxed SIMD behind it)', async () => {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    expect(relaxedSimdSupported()).toBe(true);
    const relaxed = await WasmBackend.create({ simd: 'relaxed' });
    expect(relaxed.name).toContain('relaxed SIMD');
    for (const matmulCase of cases)
      expect(await matmulError(relaxed, matmulCase)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('runs the same over a plain (non-shared) memory', async () => {
    const plain = await WasmBackend.create({ shared: false });
    expect(plain.name).toContain('plain memory');
    for (const matmulCase of cases)
      expect(await matmulError(plain, matmulCase)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('wasm backend memory', () => {
  it('recycles freed storage cleared, and keeps tensors intact while the memory grows', async () => {
    const backend = await WasmBackend.create({ shared: true });
    const kept = backend.tensor([4], [1, 2, 3, 4]);
    const freed = backend.tensor([4], [5, 6, 7, 8]);
    const offset = backend.pointer(freed);
    freed.free();
    const reused = backend.empty([4]);
    expect(backend.pointer(reused)).toBe(offset);
    expect(Array.from(await reused.read())).toEqual([0, 0, 0, 0]);

    const before = backend.kernels.memory.buffer.byteLength;
    const big = backend.tensor([64 * 2 ** 20]);
    expect(backend.kernels.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(Array.from(await kept.read())).toEqual([1, 2, 3, 4]);
    expect(backend.memory().inUse).toBe(64 * 2 + 256 * 2 ** 20);
    for (const t of [kept, reused, big]) t.free();
    expect(backend.memory().inUse).toBe(0);
  });
});
