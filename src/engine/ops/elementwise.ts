import { type Backend, type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { f32, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { assertShape, type Tensor } from '../tensor';
import binarySource from './elementwise.wgsl?raw';
import unarySource from './elementwise-scaled.wgsl?raw';

export type Floats = Float32Array | Float64Array;

// ---- CPU references (a, b, out have N values) ----

export function addRef(a: ArrayLike<number>, b: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as number) + (b[i] as number);
}

export function scaleRef(a: ArrayLike<number>, alpha: number, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = alpha * (a[i] as number);
}

// ---- kernels ----

const addKernel = { label: 'elementwise', source: binarySource, entryPoint: 'add' };
const scaleKernel = { label: 'elementwise-scaled', source: unarySource, entryPoint: 'scale' };
const accumulateKernel = { label: 'elementwise-scaled', source: unarySource, entryPoint: 'accumulate' };

/** a + b, same shapes. */
export const addForward: Kernel<{ a: Tensor; b: Tensor }, Tensor> = {
  cpu(be, { a, b }) {
    const out = be.empty(a.shape);
    addRef(be.data(a), be.data(b), be.data(out));
    return out;
  },
  gpu(be, { a, b }) {
    const out = be.empty(a.shape);
    be.dispatch(addKernel, { N: u32(a.size) }, [a, b, out], grid1d(a.size, 256));
    return out;
  },
};

/** alpha · a. */
export const scaleForward: Kernel<{ a: Tensor; alpha: number }, Tensor> = {
  cpu(be, { a, alpha }) {
    const out = be.empty(a.shape);
    scaleRef(be.data(a), alpha, be.data(out));
    return out;
  },
  gpu(be, { a, alpha }) {
    const out = be.empty(a.shape);
    be.dispatch(scaleKernel, { N: u32(a.size), ALPHA: f32(alpha) }, [a, out], grid1d(a.size, 256));
    return out;
  },
};

/** target += source, in place. */
export const accumulateInto: Kernel<{ target: Tensor; source: Tensor }, void> = {
  cpu(be, { target, source }) {
    const t = be.data(target);
    addRef(t, be.data(source), t);
  },
  gpu(be, { target, source }) {
    be.dispatch(
      accumulateKernel,
      { N: u32(target.size), ALPHA: f32(1) },
      [source, target],
      grid1d(target.size, 256),
    );
  },
};

export function addInPlace(backend: Backend, target: Tensor, source: Tensor): void {
  assertShape(source, target.shape, 'addInPlace');
  runKernel(accumulateInto, backend, { target, source });
}

export function copyTensor(backend: Backend, t: Tensor): Tensor {
  return runKernel(scaleForward, backend, { a: t, alpha: 1 });
}

// ---- differentiable ops ----

/** Residual add: y = a + b (same shapes); both inputs receive dy. */
export function add(tape: Tape, a: Tensor, b: Tensor): Tensor {
  assertShape(b, a.shape, 'add');
  const y = tape.track(runKernel(addForward, tape.backend, { a, b }));
  return tape.record(y, [a, b], (dy) => [dy, dy]);
}

/** y = alpha · x. */
export function scale(tape: Tape, x: Tensor, alpha: number): Tensor {
  const y = tape.track(runKernel(scaleForward, tape.backend, { a: x, alpha }));
  return tape.record(y, [x], (dy) => [runKernel(scaleForward, tape.backend, { a: dy, alpha })]);
}
