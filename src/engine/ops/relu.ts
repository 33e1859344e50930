import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import type { Floats, Tensor } from '../tensor';
import source from './relu.wgsl?raw';

// ---- CPU references (x, dy, out have the same length) ----

/** max(x, 0). */
export function reluRef(x: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i] as number, 0);
}

/** dy where x > 0, else 0: PyTorch's subgradient at 0. */
export function reluBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = (x[i] as number) > 0 ? (dy[i] as number) : 0;
}

// ---- kernels ----

const reluForward: Kernel<{ x: Tensor }, Tensor> = {
  cpu(be, { x }) {
    const out = be.empty(x.shape);
    reluRef(be.data(x), be.data(out));
    return out;
  },
  gpu(be, { x }) {
    const out = be.empty(x.shape);
    be.dispatch(
      { label: 'relu', source, entryPoint: 'relu' },
      { N: u32(x.size) },
      [x, out],
      grid1d(x.size, 256),
    );
    return out;
  },
};

/** dx from the saved input x and the incoming gradient dy. */
const reluBackward: Kernel<{ x: Tensor; dy: Tensor }, Tensor> = {
  cpu(be, { x, dy }) {
    const out = be.empty(x.shape);
    reluBackwardRef(be.data(x), be.data(dy), be.data(out));
    return out;
  },
  gpu(be, { x, dy }) {
    const out = be.empty(x.shape);
    const kernel = { label: 'relu', source, entryPoint: 'relu_backward' };
    be.dispatch(kernel, { N: u32(x.size) }, [x, out, dy], grid1d(x.size, 256));
    return out;
  },
};

// ---- differentiable op ----

/** max(x, 0), element-wise (the meta networks' nn.ReLU). */
export function relu(tape: Tape, x: Tensor): Tensor {
  const be = tape.backend;
  const y = tape.track(runKernel(reluForward, be, { x }));
  return tape.record(y, [x], (dy) => [runKernel(reluBackward, be, { x, dy })], { saved: [x] });
}
