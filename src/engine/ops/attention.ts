import type { Tape } from '../tape';
import { sameShape, shapeString, type Tensor } from '../tensor';
import { mergeHeads, splitHeads } from './heads';
import { type KeyMask, maskedSoftmax } from './masked-softmax';
import { matmul } from './matmul';

export interface AttentionOptions {
  heads: number;
  /** Query i attends only keys j ≤ i (CLIP's text tower). */
  causal: boolean;
  /** [B·T] per sample and key, 1 = attend, 0 = ignore (padded batches); not differentiated. */
  keyMask?: KeyMask | undefined;
}

/**
 * Multi-head scaled dot-product attention. q, k, v are [B, T, C] with C = heads·dh, as the q/k/v
 * projections produce them; the result is [B, T, C] with the heads merged back, ready for out_proj:
 * softmax(q_h·k_hᵀ / √dh, masked) · v_h per head. The backward is the tape's composition of the parts.
 */
export function attention(tape: Tape, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const { heads } = options;
  const channels = q.shape[2] ?? 0;
  if (q.shape.length !== 3 || !sameShape(k.shape, q.shape) || !sameShape(v.shape, q.shape)) {
    throw new Error(
      `attention: q ${shapeString(q.shape)}, k ${shapeString(k.shape)}, v ${shapeString(v.shape)} must be equal [B, T, C]`,
    );
  }
  const qh = splitHeads(tape, q, heads);
  const kh = splitHeads(tape, k, heads);
  const scores = matmul(tape, qh, kh, { transB: true, alpha: 1 / Math.sqrt(channels / heads) });
  // `release` frees only what no backward will read, so inference keeps a few [B·H, T, T] alive at most.
  tape.release(qh);
  tape.release(kh);
  const probabilities = maskedSoftmax(tape, scores, {
    causal: options.causal,
    keyMask: options.keyMask,
    heads,
  });
  tape.release(scores);
  const vh = splitHeads(tape, v, heads);
  const context = matmul(tape, probabilities, vh);
  tape.release(probabilities);
  tape.release(vh);
  const merged = mergeHeads(tape, context, heads);
  tape.release(context);
  return merged;
}
