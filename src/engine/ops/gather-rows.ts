import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './gather-rows.wgsl?raw';

/** x is [batch, tokens, channels]; one token index per sample. */
export interface RowsLayout {
  batch: number;
  tokens: number;
  channels: number;
}

// ---- CPU references ----

/** out[b, :] = x[b, indices[b], :] */
export function gatherRowsRef(
  x: ArrayLike<number>,
  indices: ArrayLike<number>,
  { batch, tokens, channels }: RowsLayout,
  out: Floats,
): void {
  for (let b = 0; b < batch; b++) {
    const row = (b * tokens + (indices[b] as number)) * channels;
    for (let c = 0; c < channels; c++) out[b * channels + c] = x[row + c] as number;
  }
}

/** dx = 0 except dx[b, indices[b], :] = dy[b, :]. */
export function scatterRowsRef(
  dy: ArrayLike<number>,
  indices: ArrayLike<number>,
  { batch, tokens, channels }: RowsLayout,
  dx: Floats,
): void {
  dx.fill(0);
  for (let b = 0; b < batch; b++) {
    const row = (b * tokens + (indices[b] as number)) * channels;
    for (let c = 0; c < channels; c++) dx[row + c] = dy[b * channels + c] as number;
  }
}

// ---- kernels ----

const gatherKernel = { label: 'gather-rows', source, entryPoint: 'gather_rows' };
const scatterKernel = { label: 'gather-rows', source, entryPoint: 'scatter_rows' };

function constants({ batch, tokens, channels }: RowsLayout) {
  return { BATCH: u32(batch), TOKENS: u32(tokens), C: u32(channels) };
}

interface RowsArgs {
  /** x for the gather, dy for the scatter. */
  src: Tensor;
  /** [batch] token positions, integers stored as floats. */
  indices: Tensor;
  layout: RowsLayout;
}

export const gatherRowsForward: Kernel<RowsArgs, Tensor> = {
  cpu(be, { src, indices, layout }) {
    const out = be.empty([layout.batch, layout.channels]);
    gatherRowsRef(be.data(src), be.data(indices), layout, be.data(out));
    return out;
  },
  gpu(be, { src, indices, layout }) {
    const out = be.empty([layout.batch, layout.channels]);
    be.dispatch(gatherKernel, constants(layout), [src, indices, out], grid1d(out.size, 256));
    return out;
  },
};

export const gatherRowsBackward: Kernel<RowsArgs, Tensor> = {
  cpu(be, { src, indices, layout }) {
    const out = be.empty([layout.batch, layout.tokens, layout.channels]);
    scatterRowsRef(be.data(src), be.data(indices), layout, be.data(out));
    return out;
  },
  gpu(be, { src, indices, layout }) {
    const out = be.empty([layout.batch, layout.tokens, layout.channels]);
    be.dispatch(scatterKernel, constants(layout), [src, indices, out], grid1d(out.size, 256));
    return out;
  },
};

// ---- differentiable op ----

/**
 * x [B, T, C] → [B, C], sample b's token indices[b]: CLS pooling (all zeros) or end-of-text pooling
 * (per-sample positions). The gradient lands on those tokens, zeros elsewhere.
 */
export function gatherRows(tape: Tape, x: Tensor, indices: readonly number[]): Tensor {
  const [batch, tokens, channels] = x.shape as [number, number, number];
  if (
    x.shape.length !== 3 ||
    indices.length !== batch ||
    indices.some((i) => !Number.isInteger(i) || i < 0 || i >= tokens)
  ) {
    throw new Error(
      `gatherRows: indices [${indices.join(', ')}] do not pick one token of each sample of ${shapeString(x.shape)}`,
    );
  }
  const be = tape.backend;
  const layout = { batch, tokens, channels };
  const indexTensor = be.tensor([batch], indices);
  const y = tape.track(runKernel(gatherRowsForward, be, { src: x, indices: indexTensor, layout }));
  return tape.record(
    y,
    [x],
    (dy) => [runKernel(gatherRowsBackward, be, { src: dy, indices: indexTensor, layout })],
    { scratch: [indexTensor] },
  );
}
