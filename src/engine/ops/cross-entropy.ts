import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { bool, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './cross-entropy.wgsl?raw';
import backwardSource from './cross-entropy-backward.wgsl?raw';
import { mean } from './reduce';
import { reduceSnippet, threadsPerRow } from './workgroup-reduce';

// ---- CPU references (logits, mask, probs, dlogits are [rows, classes]; labels, rowLoss [rows]) ----

/**
 * Per-row softmax cross-entropy: rowLoss = lse − logit[label], with classes whose mask entry is 0 left out
 * of the log-sum-exp entirely; probs are the softmax over the included classes, 0 elsewhere.
 */
export function softmaxCrossEntropyRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  mask: ArrayLike<number> | undefined,
  rows: number,
  classes: number,
  probs: Floats,
  rowLoss: Floats,
): void {
  const included = (i: number) => mask?.[i] !== 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let m = -Infinity;
    for (let k = 0; k < classes; k++) if (included(base + k)) m = Math.max(m, logits[base + k] as number);
    let s = 0;
    for (let k = 0; k < classes; k++) if (included(base + k)) s += Math.exp((logits[base + k] as number) - m);
    for (let k = 0; k < classes; k++) {
      probs[base + k] = included(base + k) ? Math.exp((logits[base + k] as number) - m) / s : 0;
    }
    rowLoss[r] = m - (logits[base + (labels[r] as number)] as number) + Math.log(s);
  }
}

/** dlogits = (p − onehot(label)) · dRowLoss[row]. */
export function softmaxCrossEntropyBackwardRef(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  dRowLoss: ArrayLike<number>,
  rows: number,
  classes: number,
  dlogits: Floats,
): void {
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < classes; k++) {
      const i = r * classes + k;
      const onehot = k === labels[r] ? 1 : 0;
      dlogits[i] = ((probs[i] as number) - onehot) * (dRowLoss[r] as number);
    }
  }
}

// ---- kernels ----

const forwardKernel = { label: 'cross-entropy', source: reduceSnippet + source, entryPoint: 'forward' };
const backwardKernel = { label: 'cross-entropy-backward', source: backwardSource, entryPoint: 'backward' };

interface ForwardArgs {
  logits: Tensor;
  /** Class indices as floats, [rows]. */
  labels: Tensor;
  mask?: Tensor | undefined;
}

const crossEntropyForward: Kernel<ForwardArgs, { rowLoss: Tensor; probs: Tensor }> = {
  cpu(be, { logits, labels, mask }) {
    const [rows, classes] = logits.shape as [number, number];
    const out = { rowLoss: be.empty([rows]), probs: be.empty(logits.shape) };
    softmaxCrossEntropyRef(
      be.data(logits),
      be.data(labels),
      mask && be.data(mask),
      rows,
      classes,
      be.data(out.probs),
      be.data(out.rowLoss),
    );
    return out;
  },
  gpu(be, { logits, labels, mask }) {
    const [rows, classes] = logits.shape as [number, number];
    const out = { rowLoss: be.empty([rows]), probs: be.empty(logits.shape) };
    const constants = {
      ROWS: u32(rows),
      K: u32(classes),
      WG: u32(threadsPerRow(be, classes)),
      HAS_MASK: bool(mask !== undefined),
    };
    be.dispatch(
      forwardKernel,
      constants,
      [logits, labels, mask ?? logits, out.probs, out.rowLoss],
      grid1d(rows, 1),
    );
    return out;
  },
};

const crossEntropyBackward: Kernel<{ probs: Tensor; labels: Tensor; dRowLoss: Tensor }, Tensor> = {
  cpu(be, { probs, labels, dRowLoss }) {
    const [rows, classes] = probs.shape as [number, number];
    const dlogits = be.empty(probs.shape);
    softmaxCrossEntropyBackwardRef(
      be.data(probs),
      be.data(labels),
      be.data(dRowLoss),
      rows,
      classes,
      be.data(dlogits),
    );
    return dlogits;
  },
  gpu(be, { probs, labels, dRowLoss }) {
    const [rows, classes] = probs.shape as [number, number];
    const dlogits = be.empty(probs.shape);
    const constants = { ROWS: u32(rows), K: u32(classes) };
    be.dispatch(backwardKernel, constants, [probs, labels, dRowLoss, dlogits], grid1d(probs.size, 256));
    return dlogits;
  },
};

// ---- differentiable ops ----

/** A bad label or mask is the caller's bug: it must fail here, not turn into a NaN loss on the GPU. */
function checkTargets(
  logits: Tensor,
  labels: readonly number[],
  classMask: Uint8Array | readonly number[] | undefined,
): void {
  if (logits.shape.length !== 2) {
    throw new Error(`softmaxCrossEntropy: logits must be [B, K], got ${shapeString(logits.shape)}`);
  }
  const [rows, classes] = logits.shape as [number, number];
  if (labels.length !== rows) {
    throw new Error(`softmaxCrossEntropy: ${labels.length} labels for ${rows} samples`);
  }
  if (classMask && classMask.length !== rows * classes) {
    throw new Error(
      `softmaxCrossEntropy: class mask has ${classMask.length} entries, expected ${rows}×${classes}`,
    );
  }
  labels.forEach((label, r) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`softmaxCrossEntropy: sample ${r} has label ${label}, outside 0..${classes - 1}`);
    }
    if (classMask && classMask[r * classes + label] === 0) {
      throw new Error(`softmaxCrossEntropy: sample ${r}'s own label ${label} is masked out`);
    }
  });
}

/**
 * Mean softmax cross-entropy over the batch, as a [1] tensor: logits is [B, K], labels holds B class
 * indices. classMask (B·K, 1 = allowed, 0 = excluded) removes classes from a sample's softmax exactly:
 * they are skipped in the log-sum-exp and get a gradient of exactly 0.
 */
export function softmaxCrossEntropy(
  tape: Tape,
  logits: Tensor,
  labels: readonly number[],
  classMask?: Uint8Array | readonly number[],
): Tensor {
  checkTargets(logits, labels, classMask);
  const be = tape.backend;
  const labelTensor = be.tensor([labels.length], labels);
  const maskTensor = classMask && be.tensor(logits.shape, classMask);
  const { rowLoss, probs } = runKernel(crossEntropyForward, be, {
    logits,
    labels: labelTensor,
    mask: maskTensor,
  });
  maskTensor?.free();
  const perSample = tape.record(
    tape.track(rowLoss),
    [logits],
    (dRowLoss) => [runKernel(crossEntropyBackward, be, { probs, labels: labelTensor, dRowLoss })],
    { scratch: [probs, labelTensor] },
  );
  return mean(tape, perSample);
}
