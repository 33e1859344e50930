import { attention } from '../../ops/attention';
import { gatherRows } from '../../ops/gather-rows';
import { splitHeads } from '../../ops/heads';
import { maskedSoftmax } from '../../ops/masked-softmax';
import { concatTokens, replaceTokens, sliceTokens } from '../../ops/tokens';
import type { OpCase } from '../op-check';

/** q, k, v of [batch, tokens, channels]. */
function qkv(batch: number, tokens: number, channels: number) {
  return [0, 1, 2].map(() => ({ shape: [batch, tokens, channels] }));
}

// Sample 0 is padded after 4 tokens; sample 1 ignores keys 1 and 5 (different keys per sample).
const paddedMask = [1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0];

export const attentionAndTokenCases: OpCase[] = [
  {
    name: 'attention bidirectional B=2 T=5 heads=3 dh=5',
    inputs: qkv(2, 5, 15),
    forward: (tape, q, k, v) => attention(tape, q, k, v, { heads: 3, causal: false }),
  },
  {
    name: 'attention causal B=2 T=7 heads=3 dh=5',
    inputs: qkv(2, 7, 15),
    forward: (tape, q, k, v) => attention(tape, q, k, v, { heads: 3, causal: true }),
  },
  {
    name: 'attention key mask per sample B=2 T=6 heads=3 dh=5',
    inputs: qkv(2, 6, 15),
    forward: (tape, q, k, v) => attention(tape, q, k, v, { heads: 3, causal: false, keyMask: paddedMask }),
  },
  {
    name: 'attention causal + key mask, fully masked rows are zero, frozen k',
    inputs: [{ shape: [2, 6, 15] }, { shape: [2, 6, 15], grad: false }, { shape: [2, 6, 15] }],
    // Sample 0 ignores key 0, so its query 0 sees no key at all under the causal mask.
    forward: (tape, q, k, v) =>
      attention(tape, q, k, v, { heads: 3, causal: true, keyMask: [0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0] }),
  },
  {
    name: 'attention causal B=2 T=17 C=128 heads=4 (embedded CLIP text)',
    inputs: qkv(2, 17, 128),
    forward: (tape, q, k, v) => attention(tape, q, k, v, { heads: 4, causal: true }),
  },
  {
    name: 'maskedSoftmax [2·2,2,261] key mask, rows longer than a 256-thread workgroup',
    inputs: [{ shape: [4, 2, 261] }],
    forward: (tape, s) =>
      maskedSoftmax(tape, s, {
        heads: 2,
        keyMask: Array.from({ length: 2 * 261 }, (_, j) => (j % 261 === 5 || j > 400 ? 0 : 1)),
      }),
  },
  {
    name: 'splitHeads [2,5,15] → [6,5,5]',
    inputs: [{ shape: [2, 5, 15] }],
    forward: (tape, x) => splitHeads(tape, x, 3),
  },
  {
    name: 'concatTokens shared [1,2,7] + [3,5,7] + shared 2-D [4,7]',
    inputs: [{ shape: [1, 2, 7] }, { shape: [3, 5, 7] }, { shape: [4, 7] }],
    forward: (tape, a, b, c) => concatTokens(tape, [a, b, c]),
  },
  {
    name: 'concatTokens [2,3,5] + frozen [2,4,5]',
    inputs: [{ shape: [2, 3, 5] }, { shape: [2, 4, 5], grad: false }],
    forward: (tape, a, b) => concatTokens(tape, [a, b]),
  },
  {
    name: 'sliceTokens [2,9,5] tokens [3, 7)',
    inputs: [{ shape: [2, 9, 5] }],
    forward: (tape, x) => sliceTokens(tape, x, 3, 4),
  },
  {
    name: 'replaceTokens [3,8,5] tokens [1, 4) by shared [3,5]',
    inputs: [{ shape: [3, 8, 5] }, { shape: [3, 5] }],
    forward: (tape, x, values) => replaceTokens(tape, x, 1, values),
  },
  {
    name: 'replaceTokens [2,7,5] last tokens by per-sample [2,2,5]',
    inputs: [{ shape: [2, 7, 5] }, { shape: [2, 2, 5] }],
    forward: (tape, x, values) => replaceTokens(tape, x, 5, values),
  },
  {
    name: 'gatherRows [3,7,5] at tokens [0, 6, 3]',
    inputs: [{ shape: [3, 7, 5] }],
    forward: (tape, x) => gatherRows(tape, x, [0, 6, 3]),
  },
];
