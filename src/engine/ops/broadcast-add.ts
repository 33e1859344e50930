import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './broadcast-add.wgsl?raw';
import { copyTokenWindow } from './tokens';

/** x is [batch, tokens, channels]; rows is [≥ tokens, channels]. */
interface RowsLayout {
  batch: number;
  tokens: number;
  channels: number;
}

// ---- CPU reference ----

/** out[b, t, :] = x[b, t, :] + rows[t, :] */
export function broadcastAddRef(
  x: ArrayLike<number>,
  rows: ArrayLike<number>,
  layout: RowsLayout,
  out: Floats,
): void {
  const sample = layout.tokens * layout.channels;
  for (let i = 0; i < out.length; i++) out[i] = (x[i] as number) + (rows[i % sample] as number);
}

// ---- kernel ----

const kernel = { label: 'broadcast-add', source, entryPoint: 'add_rows' };

const broadcastAddForward: Kernel<{ x: Tensor; rows: Tensor; layout: RowsLayout }, Tensor> = {
  cpu(be, { x, rows, layout }) {
    const out = be.empty(x.shape);
    broadcastAddRef(be.data(x), be.data(rows), layout, be.data(out));
    return out;
  },
  gpu(be, { x, rows, layout }) {
    const out = be.empty(x.shape);
    const constants = { BATCH: u32(layout.batch), TOKENS: u32(layout.tokens), C: u32(layout.channels) };
    be.dispatch(kernel, constants, [x, rows, out], grid1d(out.size, 256));
    return out;
  },
};

// ---- differentiable op ----

/**
 * x [B, T, C] + rows[:T] for every sample, rows [R ≥ T, C]: position embeddings, of which a shortened text
 * uses the first T. dx = dy; drows is dy summed over the batch in its first T rows and zero below.
 */
export function broadcastAdd(tape: Tape, x: Tensor, rows: Tensor): Tensor {
  const [batch, tokens, channels] = x.shape as [number, number, number];
  if (
    x.shape.length !== 3 ||
    rows.shape.length !== 2 ||
    rows.shape[1] !== channels ||
    (rows.shape[0] as number) < tokens
  ) {
    throw new Error(
      `broadcastAdd: x ${shapeString(x.shape)} needs rows [≥ ${tokens}, ${channels}], got ${shapeString(rows.shape)}`,
    );
  }
  const be = tape.backend;
  const layout = { batch, tokens, channels };
  const y = tape.track(runKernel(broadcastAddForward, be, { x, rows, layout }));
  return tape.record(y, [x, rows], (dy, [, needRows]) => {
    let dRows: Tensor | null = null;
    if (needRows) {
      dRows = be.zeros(rows.shape);
      const window = {
        batch,
        channels,
        length: tokens,
        srcTokens: tokens,
        srcStart: 0,
        dstTokens: rows.shape[0] as number,
        dstStart: 0,
        batches: 'sum' as const,
      };
      runKernel(copyTokenWindow, be, { src: dy, dst: dRows, window });
    }
    return [dy, dRows];
  });
}
