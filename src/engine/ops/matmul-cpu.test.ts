import { describe, expect, it } from 'vitest';
import { Random } from '../random';
import type { Floats } from '../tensor';
import { type MatmulSpec, matmulRef, matmulSpec } from './matmul';
import { matmulCpu } from './matmul-cpu';

const shapes: { name: string; spec: MatmulSpec; bias?: boolean; accumulate?: boolean }[] = [
  ...[false, true].flatMap((transA) =>
    [false, true].map((transB) => ({
      name: `odd sizes${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`,
      spec: matmulSpec({ m: 7, n: 13, k: 5, batch: 3, transA, transB, alpha: 0.7 }),
    })),
  ),
  { name: 'one row, one column', spec: matmulSpec({ m: 1, n: 1, k: 9 }) },
  {
    name: 'B shared across the batch, bias, accumulate',
    spec: matmulSpec({ m: 5, n: 6, k: 4, batch: 3, transB: true, batchStrideB: 0 }),
    bias: true,
    accumulate: true,
  },
];

function run(
  fn: typeof matmulCpu,
  make: (n: number) => Floats,
  { spec, bias, accumulate }: (typeof shapes)[number],
): Floats {
  const random = new Random(11);
  const draw = (n: number) => {
    const t = make(n);
    t.set(random.normals(n));
    return t;
  };
  const a = draw((spec.batch - 1) * spec.batchStrideA + spec.m * spec.k);
  const b = draw((spec.batch - 1) * spec.batchStrideB + spec.k * spec.n);
  const biasValues = bias ? draw(spec.n) : undefined;
  const out = draw(spec.batch * spec.m * spec.n);
  fn(a, b, spec, out, { bias: biasValues, accumulate });
  return out;
}

describe('matmulCpu', () => {
  for (const precision of [Float32Array, Float64Array]) {
    for (const shape of shapes) {
      it(`equals matmulRef bit for bit: ${shape.name}, ${precision.name}`, () => {
        const make = (n: number) => new precision(n);
        expect(run(matmulCpu, make, shape)).toEqual(run(matmulRef, make, shape));
      });
    }
  }
});
