import { type Backend, type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { bool, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './tokens.wgsl?raw';

/**
 * Tokens [srcStart, srcStart + length) of every batch of a [*, srcTokens, channels] source go to tokens
 * [dstStart, dstStart + length) of a [*, dstTokens, channels] target. `batches`: 'same', both have `batch`
 * batches; 'broadcast', the source has one, copied into each target batch (a prompt shared by all samples);
 * 'sum', the target has one and receives the sum over the source's batches (that prompt's gradient).
 */
export interface TokenWindow {
  batch: number;
  channels: number;
  length: number;
  srcTokens: number;
  srcStart: number;
  dstTokens: number;
  dstStart: number;
  batches: 'same' | 'broadcast' | 'sum';
}

/** The window copy that carries a gradient back: target and source swap, broadcasting becomes summing. */
function reversed(w: TokenWindow): TokenWindow {
  const batches = w.batches === 'broadcast' ? 'sum' : w.batches === 'sum' ? 'broadcast' : 'same';
  return {
    ...w,
    srcTokens: w.dstTokens,
    srcStart: w.dstStart,
    dstTokens: w.srcTokens,
    dstStart: w.srcStart,
    batches,
  };
}

// ---- CPU reference ----

/** Writes the window into dst; dst outside the window is left alone. */
export function copyTokenWindowRef(src: ArrayLike<number>, w: TokenWindow, dst: Floats): void {
  const { channels, length } = w;
  const dstBatches = w.batches === 'sum' ? 1 : w.batch;
  for (let b = 0; b < dstBatches; b++) {
    const [first, end] = w.batches === 'sum' ? [0, w.batch] : w.batches === 'broadcast' ? [0, 1] : [b, b + 1];
    for (let t = 0; t < length; t++) {
      for (let c = 0; c < channels; c++) {
        let v = 0;
        for (let s = first; s < end; s++)
          v += src[(s * w.srcTokens + w.srcStart + t) * channels + c] as number;
        dst[(b * w.dstTokens + w.dstStart + t) * channels + c] = v;
      }
    }
  }
}

// ---- kernel ----

const kernel = { label: 'tokens', source, entryPoint: 'copy_window' };

/** dst's window ← src's window, in place. */
export const copyTokenWindow: Kernel<{ src: Tensor; dst: Tensor; window: TokenWindow }, void> = {
  cpu(be, { src, dst, window }) {
    copyTokenWindowRef(be.data(src), window, be.data(dst));
  },
  gpu(be, { src, dst, window: w }) {
    const constants = {
      BATCH: u32(w.batch),
      C: u32(w.channels),
      LEN: u32(w.length),
      SRC_T: u32(w.srcTokens),
      SRC_START: u32(w.srcStart),
      DST_T: u32(w.dstTokens),
      DST_START: u32(w.dstStart),
      BROADCAST: bool(w.batches === 'broadcast'),
      SUM: bool(w.batches === 'sum'),
    };
    const written = (w.batches === 'sum' ? 1 : w.batch) * w.length * w.channels;
    be.dispatch(kernel, constants, [src, dst], grid1d(written, 256));
  },
};

function copyWindow(backend: Backend, src: Tensor, dst: Tensor, window: TokenWindow): void {
  if (window.length > 0) runKernel(copyTokenWindow, backend, { src, dst, window });
}

// ---- differentiable ops ----

interface TokenShape {
  batch: number;
  tokens: number;
  channels: number;
}

/** [B, T, C], or [T, C] as one batch. */
function tokenShape(t: Tensor, what: string): TokenShape {
  const { shape } = t;
  if (shape.length === 2) return { batch: 1, tokens: shape[0] as number, channels: shape[1] as number };
  if (shape.length === 3) {
    const [batch, tokens, channels] = shape as [number, number, number];
    return { batch, tokens, channels };
  }
  throw new Error(`${what}: expected [B, T, C] or [T, C], got ${shapeString(shape)}`);
}

/** How a part of `part` batches enters `batch` batches: itself, or broadcast when it has one. */
function batchesOf(part: TokenShape, batch: number, what: string): 'same' | 'broadcast' {
  if (part.batch === batch) return 'same';
  if (part.batch === 1) return 'broadcast';
  throw new Error(`${what}: a part of batch ${part.batch} cannot join batch ${batch}`);
}

/**
 * Concatenates [B_i, T_i, C] parts along the tokens: [B, ΣT_i, C]. A part of batch 1 (or 2-D [T_i, C])
 * is shared by all B samples, and its gradient is summed over them.
 */
export function concatTokens(tape: Tape, parts: readonly Tensor[]): Tensor {
  const shapes = parts.map((p) => tokenShape(p, 'concatTokens'));
  const channels = shapes[0]?.channels ?? 0;
  if (shapes.length === 0 || shapes.some((s) => s.channels !== channels)) {
    throw new Error(`concatTokens: parts ${parts.map((p) => shapeString(p.shape)).join(', ')} differ in C`);
  }
  const batch = Math.max(...shapes.map((s) => s.batch));
  const total = shapes.reduce((n, s) => n + s.tokens, 0);
  let offset = 0;
  const windows = shapes.map((s): TokenWindow => {
    const dstStart = offset;
    offset += s.tokens;
    const batches = batchesOf(s, batch, 'concatTokens');
    return {
      batch,
      channels,
      length: s.tokens,
      srcTokens: s.tokens,
      srcStart: 0,
      dstTokens: total,
      dstStart,
      batches,
    };
  });
  const be = tape.backend;
  const y = tape.track(be.empty([batch, total, channels]));
  for (const [i, p] of parts.entries()) copyWindow(be, p, y, windows[i] as TokenWindow);
  return tape.record(y, parts, (dy, needs) =>
    parts.map((p, i) => {
      if (!needs[i]) return null;
      const dp = be.empty(p.shape);
      copyWindow(be, dy, dp, reversed(windows[i] as TokenWindow));
      return dp;
    }),
  );
}

/** Tokens [start, start + length) of x [B, T, C]: [B, length, C]. */
export function sliceTokens(tape: Tape, x: Tensor, start: number, length: number): Tensor {
  const { batch, tokens, channels } = tokenShape(x, 'sliceTokens');
  if (start < 0 || length < 0 || start + length > tokens) {
    throw new Error(`sliceTokens: tokens [${start}, ${start + length}) are outside ${shapeString(x.shape)}`);
  }
  const window: TokenWindow = {
    batch,
    channels,
    length,
    srcTokens: tokens,
    srcStart: start,
    dstTokens: length,
    dstStart: 0,
    batches: 'same',
  };
  const be = tape.backend;
  const y = tape.track(be.empty([batch, length, channels]));
  copyWindow(be, x, y, window);
  return tape.record(y, [x], (dy) => {
    const dx = be.zeros(x.shape);
    copyWindow(be, dy, dx, reversed(window));
    return [dx];
  });
}

/**
 * x [B, T, C] with tokens [start, start + n) replaced by `values` ([B, n, C], or [1, n, C] / [n, C] shared
 * by all samples): VPT-deep swapping the previous layer's prompt outputs for the next layer's prompts.
 * x's gradient is dy with the replaced tokens zeroed; values' is that slice of dy (summed when shared).
 */
export function replaceTokens(tape: Tape, x: Tensor, start: number, values: Tensor): Tensor {
  const { batch, tokens, channels } = tokenShape(x, 'replaceTokens');
  const replaced = tokenShape(values, 'replaceTokens');
  const end = start + replaced.tokens;
  if (replaced.channels !== channels || start < 0 || end > tokens) {
    throw new Error(
      `replaceTokens: values ${shapeString(values.shape)} do not fit at token ${start} of ${shapeString(x.shape)}`,
    );
  }
  const kept = (from: number, to: number): TokenWindow => ({
    batch,
    channels,
    length: to - from,
    srcTokens: tokens,
    srcStart: from,
    dstTokens: tokens,
    dstStart: from,
    batches: 'same',
  });
  const keptWindows = [kept(0, start), kept(end, tokens)];
  const valuesWindow: TokenWindow = {
    batch,
    channels,
    length: replaced.tokens,
    srcTokens: replaced.tokens,
    srcStart: 0,
    dstTokens: tokens,
    dstStart: start,
    batches: batchesOf(replaced, batch, 'replaceTokens'),
  };
  const be = tape.backend;
  const y = tape.track(be.empty(x.shape));
  for (const w of keptWindows) copyWindow(be, x, y, w);
  copyWindow(be, values, y, valuesWindow);
  return tape.record(y, [x, values], (dy, [needX, needValues]) => {
    let dx: Tensor | null = null;
    if (needX) {
      dx = be.zeros(x.shape);
      for (const w of keptWindows) copyWindow(be, dy, dx, reversed(w));
    }
    let dValues: Tensor | null = null;
    if (needValues) {
      dValues = be.empty(values.shape);
      copyWindow(be, dy, dValues, reversed(valuesWindow));
    }
    return [dx, dValues];
  });
}
