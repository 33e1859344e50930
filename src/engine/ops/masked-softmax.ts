import { type Kernel, runKernel } from '../backend';
import { type GpuBackend, grid1d } from '../gpu/gpu-backend';
import { bool, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './masked-softmax.wgsl?raw';
import { reduceSnippet, threadsPerRow } from './workgroup-reduce';

/**
 * Scores are [matrices, rows, cols] with matrices = batch·heads: matrix z belongs to sample
 * floor(z / heads), whose key mask entry decides which of the cols keys its rows may attend.
 */
export interface SoftmaxLayout {
  matrices: number;
  rows: number;
  cols: number;
  heads: number;
}

/** Per sample and key: 1 = attend, 0 = ignore (padding). */
export type KeyMask = Uint8Array | readonly number[];

export interface AttentionMask {
  /** Row i attends only keys j ≤ i (CLIP's text tower). */
  causal: boolean;
  /** [batch, cols], read as in `KeyMask`. */
  keyMask?: ArrayLike<number> | undefined;
}

// ---- CPU references ----

function attends(layout: SoftmaxLayout, mask: AttentionMask, row: number, j: number): boolean {
  if (mask.causal && j > row % layout.rows) return false;
  const sample = Math.floor(row / (layout.rows * layout.heads));
  return mask.keyMask?.[sample * layout.cols + j] !== 0;
}

/**
 * Softmax of every row over its attended keys; masked keys count as −∞ and get probability 0. A row
 * with every key masked has no distribution and is defined as all zeros, so it never produces NaN.
 */
export function maskedSoftmaxRef(
  scores: ArrayLike<number>,
  layout: SoftmaxLayout,
  mask: AttentionMask,
  out: Floats,
): void {
  const { cols } = layout;
  for (let row = 0; row < layout.matrices * layout.rows; row++) {
    const base = row * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) {
      if (attends(layout, mask, row, j)) max = Math.max(max, scores[base + j] as number);
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      if (attends(layout, mask, row, j)) sum += Math.exp((scores[base + j] as number) - max);
    }
    for (let j = 0; j < cols; j++) {
      out[base + j] = attends(layout, mask, row, j) ? Math.exp((scores[base + j] as number) - max) / sum : 0;
    }
  }
}

/** dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked keys have P = 0 and so get no gradient. */
export function softmaxBackwardRef(
  p: ArrayLike<number>,
  dp: ArrayLike<number>,
  layout: SoftmaxLayout,
  out: Floats,
): void {
  const { cols } = layout;
  for (let row = 0; row < layout.matrices * layout.rows; row++) {
    const base = row * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += (p[base + j] as number) * (dp[base + j] as number);
    for (let j = 0; j < cols; j++) {
      out[base + j] = (p[base + j] as number) * ((dp[base + j] as number) - dot);
    }
  }
}

// ---- kernels ----

const kernelSource = reduceSnippet + source;
const forwardKernel = { label: 'masked-softmax', source: kernelSource, entryPoint: 'softmax_forward' };
const backwardKernel = { label: 'masked-softmax', source: kernelSource, entryPoint: 'softmax_backward' };

function constants(be: GpuBackend, layout: SoftmaxLayout, causal: boolean, hasKeyMask: boolean) {
  return {
    ROWS: u32(layout.matrices * layout.rows),
    TQ: u32(layout.rows),
    TK: u32(layout.cols),
    HEADS: u32(layout.heads),
    WG: u32(threadsPerRow(be, layout.cols)),
    CAUSAL: bool(causal),
    HAS_KEY_MASK: bool(hasKeyMask),
  };
}

export interface MaskedSoftmaxArgs {
  scores: Tensor;
  layout: SoftmaxLayout;
  causal: boolean;
  /** [batch, cols] of 1 / 0. */
  keyMask?: Tensor | undefined;
}

export const maskedSoftmaxForward: Kernel<MaskedSoftmaxArgs, Tensor> = {
  cpu(be, { scores, layout, causal, keyMask }) {
    const out = be.empty(scores.shape);
    const mask = { causal, keyMask: keyMask && be.data(keyMask) };
    maskedSoftmaxRef(be.data(scores), layout, mask, be.data(out));
    return out;
  },
  gpu(be, { scores, layout, causal, keyMask }) {
    const out = be.empty(scores.shape);
    const rows = layout.matrices * layout.rows;
    be.dispatch(
      forwardKernel,
      constants(be, layout, causal, keyMask !== undefined),
      [scores, keyMask ?? scores, out],
      grid1d(rows, 1),
    );
    return out;
  },
};

export const maskedSoftmaxBackward: Kernel<{ p: Tensor; dp: Tensor; layout: SoftmaxLayout }, Tensor> = {
  cpu(be, { p, dp, layout }) {
    const out = be.empty(p.shape);
    softmaxBackwardRef(be.data(p), be.data(dp), layout, be.data(out));
    return out;
  },
  gpu(be, { p, dp, layout }) {
    const out = be.empty(p.shape);
    // The masks are baked into P, so every masking variant shares one backward pipeline.
    be.dispatch(
      backwardKernel,
      constants(be, layout, false, false),
      [p, dp, out],
      grid1d(layout.matrices * layout.rows, 1),
    );
    return out;
  },
};

// ---- differentiable op ----

/**
 * Softmax over the last axis of attention scores [batch·heads, T_q, T_k] (2-D: one matrix), with the
 * causal mask (key j > query i) and a per-sample key mask [batch, T_k] applied inside the kernel.
 * Fully masked rows come out as all-zero probabilities.
 */
export function maskedSoftmax(
  tape: Tape,
  scores: Tensor,
  options: { causal?: boolean; keyMask?: KeyMask | undefined; heads?: number } = {},
): Tensor {
  const { shape } = scores;
  const cols = shape[shape.length - 1] ?? 0;
  const rows = shape[shape.length - 2] ?? 0;
  const heads = options.heads ?? 1;
  const matrices = scores.size / (rows * cols);
  const { keyMask } = options;
  if (shape.length < 2 || matrices % heads !== 0) {
    throw new Error(`maskedSoftmax: scores ${shapeString(shape)} do not hold ${heads} heads per sample`);
  }
  if (keyMask && keyMask.length !== (matrices / heads) * cols) {
    throw new Error(
      `maskedSoftmax: key mask has ${keyMask.length} entries, expected ${matrices / heads}×${cols}`,
    );
  }
  const be = tape.backend;
  const layout = { matrices, rows, cols, heads };
  const maskTensor = keyMask && be.tensor([matrices / heads, cols], keyMask);
  const causal = options.causal ?? false;
  const p = tape.track(runKernel(maskedSoftmaxForward, be, { scores, layout, causal, keyMask: maskTensor }));
  // Only the forward reads the mask: the backward sees it through P's zeros.
  maskTensor?.free();
  return tape.record(p, [scores], (dp) => [runKernel(maskedSoftmaxBackward, be, { p, dp, layout })], {
    saved: [p],
  });
}
