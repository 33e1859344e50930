import { type Kernel, runKernel } from '../backend';
import { type GpuBackend, grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import type { Floats, Tensor } from '../tensor';
import source from './l2-normalize.wgsl?raw';
import { reduceSnippet, threadsPerRow } from './workgroup-reduce';

/** F.normalize's floor on the norm: a zero row maps to zero instead of 0/0. */
const MIN_NORM = 1e-12;

// ---- CPU references (x, dy, out are [rows, cols]) ----

function rowNorm(x: ArrayLike<number>, base: number, cols: number): number {
  let q = 0;
  for (let j = 0; j < cols; j++) q += (x[base + j] as number) ** 2;
  return Math.sqrt(q);
}

/** y = x / max(‖x‖, 1e-12) per row. */
export function l2NormalizeRef(x: ArrayLike<number>, rows: number, cols: number, out: Floats): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const inv = 1 / Math.max(rowNorm(x, base, cols), MIN_NORM);
    for (let j = 0; j < cols; j++) out[base + j] = (x[base + j] as number) * inv;
  }
}

/** dx = dy/n − x·(x·dy)/n³ with n = ‖x‖; dy/1e-12 on a row short enough to be clamped. */
export function l2NormalizeBackwardRef(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  cols: number,
  out: Floats,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const n = rowNorm(x, base, cols);
    let d = 0;
    for (let j = 0; j < cols; j++) d += (x[base + j] as number) * (dy[base + j] as number);
    const inv = 1 / Math.max(n, MIN_NORM);
    const k = n > MIN_NORM ? d * inv ** 3 : 0;
    for (let j = 0; j < cols; j++)
      out[base + j] = (dy[base + j] as number) * inv - (x[base + j] as number) * k;
  }
}

// ---- kernels ----

const forwardKernel = { label: 'l2-normalize', source: reduceSnippet + source, entryPoint: 'forward' };
const backwardKernel = { label: 'l2-normalize', source: reduceSnippet + source, entryPoint: 'backward' };

const constants = (be: GpuBackend, rows: number, cols: number) => ({
  ROWS: u32(rows),
  C: u32(cols),
  WG: u32(threadsPerRow(be, cols)),
});

function rowsAndCols(x: Tensor): [number, number] {
  const cols = x.shape[x.shape.length - 1] as number;
  return [x.size / cols, cols];
}

const l2NormalizeForward: Kernel<{ x: Tensor }, Tensor> = {
  cpu(be, { x }) {
    const out = be.empty(x.shape);
    l2NormalizeRef(be.data(x), ...rowsAndCols(x), be.data(out));
    return out;
  },
  gpu(be, { x }) {
    const [rows, cols] = rowsAndCols(x);
    const out = be.empty(x.shape);
    be.dispatch(forwardKernel, constants(be, rows, cols), [x, out], grid1d(rows, 1));
    return out;
  },
};

const l2NormalizeBackward: Kernel<{ x: Tensor; dy: Tensor }, Tensor> = {
  cpu(be, { x, dy }) {
    const out = be.empty(x.shape);
    l2NormalizeBackwardRef(be.data(x), be.data(dy), ...rowsAndCols(x), be.data(out));
    return out;
  },
  gpu(be, { x, dy }) {
    const [rows, cols] = rowsAndCols(x);
    const out = be.empty(x.shape);
    be.dispatch(backwardKernel, constants(be, rows, cols), [x, out, dy], grid1d(rows, 1));
    return out;
  },
};

// ---- differentiable ops ----

/** x / max(‖x‖, 1e-12) over the last axis, like F.normalize(x, dim=-1); the backward reads only x. */
export function l2Normalize(tape: Tape, x: Tensor): Tensor {
  const be = tape.backend;
  const y = tape.track(runKernel(l2NormalizeForward, be, { x }));
  return tape.record(y, [x], (dy) => [runKernel(l2NormalizeBackward, be, { x, dy })], { saved: [x] });
}
