import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './heads.wgsl?raw';

/** Merged layout [batch, tokens, heads·headDim]; split layout [batch·heads, tokens, headDim]. */
export interface HeadLayout {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
}

export type HeadDirection = 'split' | 'merge';

// ---- CPU references ----

/** Calls `visit` with the merged and the split index of every element. */
function forEachHeadElement(layout: HeadLayout, visit: (merged: number, split: number) => void): void {
  const { batch, tokens, heads, headDim } = layout;
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < tokens; t++)
      for (let h = 0; h < heads; h++)
        for (let d = 0; d < headDim; d++) {
          visit(((b * tokens + t) * heads + h) * headDim + d, ((b * heads + h) * tokens + t) * headDim + d);
        }
}

export function splitHeadsRef(x: ArrayLike<number>, layout: HeadLayout, out: Floats): void {
  forEachHeadElement(layout, (merged, split) => {
    out[split] = x[merged] as number;
  });
}

export function mergeHeadsRef(x: ArrayLike<number>, layout: HeadLayout, out: Floats): void {
  forEachHeadElement(layout, (merged, split) => {
    out[merged] = x[split] as number;
  });
}

// ---- kernels ----

const entryPoints = { split: 'split_heads', merge: 'merge_heads' } as const;

function outputShape({ batch, tokens, heads, headDim }: HeadLayout, direction: HeadDirection): number[] {
  return direction === 'split' ? [batch * heads, tokens, headDim] : [batch, tokens, heads * headDim];
}

/** Moves x into the other head layout; `direction` names the layout it arrives in. */
export const headsKernel: Kernel<{ x: Tensor; layout: HeadLayout; direction: HeadDirection }, Tensor> = {
  cpu(be, { x, layout, direction }) {
    const out = be.empty(outputShape(layout, direction));
    (direction === 'split' ? splitHeadsRef : mergeHeadsRef)(be.data(x), layout, be.data(out));
    return out;
  },
  gpu(be, { x, layout, direction }) {
    const out = be.empty(outputShape(layout, direction));
    const constants = {
      BATCH: u32(layout.batch),
      TOKENS: u32(layout.tokens),
      HEADS: u32(layout.heads),
      HEAD_DIM: u32(layout.headDim),
    };
    const kernel = { label: 'heads', source, entryPoint: entryPoints[direction] };
    be.dispatch(kernel, constants, [x, out], grid1d(out.size, 256));
    return out;
  },
};

// ---- differentiable ops ----

function permuteHeads(tape: Tape, x: Tensor, layout: HeadLayout, direction: HeadDirection): Tensor {
  const be = tape.backend;
  const inverse: HeadDirection = direction === 'split' ? 'merge' : 'split';
  const y = tape.track(runKernel(headsKernel, be, { x, layout, direction }));
  return tape.record(y, [x], (dy) => [runKernel(headsKernel, be, { x: dy, layout, direction: inverse })]);
}

/** [B, T, H·dh] → [B·H, T, dh]: one matrix per (sample, head) for batched attention matmuls. */
export function splitHeads(tape: Tape, x: Tensor, heads: number): Tensor {
  const [batch, tokens, channels] = x.shape as [number, number, number];
  if (x.shape.length !== 3 || channels % heads !== 0) {
    throw new Error(`splitHeads: cannot split ${shapeString(x.shape)} into ${heads} heads`);
  }
  return permuteHeads(tape, x, { batch, tokens, heads, headDim: channels / heads }, 'split');
}

/** [B·H, T, dh] → [B, T, H·dh]: the heads side by side again, ready for the output projection. */
export function mergeHeads(tape: Tape, x: Tensor, heads: number): Tensor {
  const [matrices, tokens, headDim] = x.shape as [number, number, number];
  if (x.shape.length !== 3 || matrices % heads !== 0) {
    throw new Error(`mergeHeads: ${shapeString(x.shape)} does not hold ${heads} heads per sample`);
  }
  return permuteHeads(tape, x, { batch: matrices / heads, tokens, heads, headDim }, 'merge');
}
