import { type Kernel, runKernel } from '../backend';
import type { Tape } from '../tape';
import { type Shape, shapeString, sizeOf, type Tensor } from '../tensor';

/** The same row-major numbers under another shape, in a tensor of their own. */
const copyAs: Kernel<{ x: Tensor; shape: Shape }, Tensor> = {
  cpu(be, { x, shape }) {
    const y = be.empty(shape);
    be.data(y).set(be.data(x));
    return y;
  },
  gpu(be, { x, shape }) {
    const y = be.empty(shape);
    be.copy(x, 0, y, 0, x.size);
    return y;
  },
};

/**
 * x viewed as `shape` (same size, row-major order kept): a learnable [layers, p, C] prompt stack as one
 * [1, layers·p, C] token sequence, or one row block of a packed weight. A copy rather than an alias, so
 * the result lives independently of x (the tape may free either first); dx is dy viewed back.
 */
export function reshape(tape: Tape, x: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) !== x.size) {
    throw new Error(
      `reshape: ${shapeString(x.shape)} has ${x.size} values, ${shapeString(shape)} needs ${sizeOf(shape)}`,
    );
  }
  const be = tape.backend;
  const y = tape.track(runKernel(copyAs, be, { x, shape }));
  return tape.record(y, [x], (dy) => [runKernel(copyAs, be, { x: dy, shape: x.shape })]);
}
