import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import { scaleForward } from '../scaled-copy';
import type { Tape } from '../tape';
import { assertShape, type Floats, type Tensor } from '../tensor';
import binarySource from './elementwise.wgsl?raw';

// ---- CPU references (a, b, out have N values) ----

export function addRef(a: ArrayLike<number>, b: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i] as number) + (b[i] as number);
}

// ---- kernels ----

const addKernel = { label: 'elementwise', source: binarySource, entryPoint: 'add' };

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
