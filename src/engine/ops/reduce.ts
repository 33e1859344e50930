import { type Backend, type Kernel, runKernel } from '../backend';
import { type GpuBackend, grid1d } from '../gpu/gpu-backend';
import { f32, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import type { Floats, Tensor } from '../tensor';
import sumAllSource from './sum-all.wgsl?raw';
import sumRowsSource from './sum-rows.wgsl?raw';
import { reduceSnippet, threadsPerRow } from './workgroup-reduce';

// ---- CPU references ----

/** x is [rows, cols]; out[c] = Σ_r x[r, c]. */
export function sumRowsRef(x: ArrayLike<number>, rows: number, cols: number, out: Floats): void {
  out.fill(0);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c] = (out[c] as number) + (x[r * cols + c] as number);
}

export function sumAllRef(x: ArrayLike<number>, alpha: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  return alpha * s;
}

// ---- kernels ----

const sumRowsKernel = { label: 'sum-rows', source: sumRowsSource, entryPoint: 'sum_rows' };
const sumAllKernel = { label: 'sum-all', source: reduceSnippet + sumAllSource, entryPoint: 'sum_all' };
const broadcastKernel = { label: 'sum-all', source: reduceSnippet + sumAllSource, entryPoint: 'broadcast' };

const sumAllConstants = (be: GpuBackend, n: number, alpha: number) => ({
  N: u32(n),
  WG: u32(threadsPerRow(be, n)),
  ALPHA: f32(alpha),
});

const sumRowsForward: Kernel<{ x: Tensor; rows: number; cols: number }, Tensor> = {
  cpu(be, { x, rows, cols }) {
    const out = be.empty([cols]);
    sumRowsRef(be.data(x), rows, cols, be.data(out));
    return out;
  },
  gpu(be, { x, rows, cols }) {
    const out = be.empty([cols]);
    be.dispatch(sumRowsKernel, { ROWS: u32(rows), COLS: u32(cols) }, [x, out], [Math.ceil(cols / 64)]);
    return out;
  },
};

/** alpha · Σ x, as a [1] tensor. */
const sumAllForward: Kernel<{ x: Tensor; alpha: number }, Tensor> = {
  cpu(be, { x, alpha }) {
    return be.tensor([1], [sumAllRef(be.data(x), alpha)]);
  },
  gpu(be, { x, alpha }) {
    const out = be.empty([1]);
    be.dispatch(sumAllKernel, sumAllConstants(be, x.size, alpha), [x, out], [1]);
    return out;
  },
};

/** A tensor of `shape` filled with alpha · g[0]. */
const broadcastForward: Kernel<{ g: Tensor; shape: readonly number[]; alpha: number }, Tensor> = {
  cpu(be, { g, shape, alpha }) {
    const out = be.empty(shape);
    be.data(out).fill(alpha * (be.data(g)[0] as number));
    return out;
  },
  gpu(be, { g, shape, alpha }) {
    const out = be.empty(shape);
    be.dispatch(broadcastKernel, sumAllConstants(be, out.size, alpha), [g, out], grid1d(out.size, 256));
    return out;
  },
};

/** Column sums of a [rows, cols] tensor (a bias gradient); not recorded. */
export function sumRows(backend: Backend, x: Tensor, rows: number, cols: number): Tensor {
  return runKernel(sumRowsForward, backend, { x, rows, cols });
}

// ---- differentiable ops ----

function scaledSum(tape: Tape, x: Tensor, alpha: number): Tensor {
  const be = tape.backend;
  const y = tape.track(runKernel(sumAllForward, be, { x, alpha }));
  return tape.record(y, [x], (dy) => [runKernel(broadcastForward, be, { g: dy, shape: x.shape, alpha })]);
}

/** Σ x as a [1] tensor. */
export function sum(tape: Tape, x: Tensor): Tensor {
  return scaledSum(tape, x, 1);
}

/** Mean of x as a [1] tensor. */
export function mean(tape: Tape, x: Tensor): Tensor {
  return scaledSum(tape, x, 1 / x.size);
}
