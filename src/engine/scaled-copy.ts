import { type Backend, type Kernel, runKernel } from './backend';
import { grid1d } from './gpu/gpu-backend';
import { f32, u32 } from './gpu/pipeline-cache';
import scaledSource from './scaled-copy.wgsl?raw';
import { assertShape, type Floats, type Tensor } from './tensor';

// The raw kernels the tape itself runs (gradient accumulation, copying a gradient handed to two inputs),
// kept below the ops so the tape imports no op; `ops/elementwise.ts` builds `scale` on the same kernel.

// ---- CPU references (a, out have N values) ----

export function scaleRef(a: ArrayLike<number>, alpha: number, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = alpha * (a[i] as number);
}

export function accumulateRef(target: Floats, source: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + (source[i] as number);
}

// ---- kernels ----

const scaleKernel = { label: 'elementwise-scaled', source: scaledSource, entryPoint: 'scale' };
const accumulateKernel = { label: 'elementwise-scaled', source: scaledSource, entryPoint: 'accumulate' };

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
    accumulateRef(be.data(target), be.data(source));
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
