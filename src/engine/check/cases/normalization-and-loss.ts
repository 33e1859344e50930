import { gelu, quickGelu } from '../../ops/activations';
import { cosineLogits } from '../../ops/cosine-logits';
import { softmaxCrossEntropy } from '../../ops/cross-entropy';
import { l2Normalize } from '../../ops/l2-normalize';
import { layerNorm } from '../../ops/layer-norm';
import { Random } from '../../random';
import type { OpCase } from '../op-check';

/** n evenly spaced values from `from` to `to`: every branch of a piecewise approximation gets visited. */
function linspace(n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
}

/** One string of 0/1 per sample, 1 = class allowed, flattened into a B·K mask. */
function classMask(rows: string[]): number[] {
  return rows.flatMap((row) => [...row].map(Number));
}

// Row 2 allows only its label (loss and gradient 0); row 3 allows everything; the others exclude several.
const maskedLabels = [0, 4, 8, 2, 6];
const maskedRows = classMask(['100011111', '111110001', '000000001', '111111111', '000000111']);

// Logits up to ±30, and +80 planted at excluded classes: were they not skipped, they would own the max and
// every allowed probability would underflow.
const largeLabels = [3, 0, 12, 7];
const largeRows = classMask(['1111111111011', '1011111111111', '0111111111111', '1111111111110']);
const largeLogits = new Random(3).normals(4 * 13).map((v, i) => (largeRows[i] ? 15 * v : 80));

/** Odd sizes on purpose: rows past a workgroup's width, rows shorter than it, nothing a multiple of 4. */
export const normalizationAndLossCases: OpCase[] = [
  {
    name: 'layerNorm x[7,37], γ and β trainable',
    inputs: [{ shape: [7, 37] }, { shape: [37] }, { shape: [37] }],
    forward: (tape, x, gamma, beta) => layerNorm(tape, x, gamma, beta, 1e-5),
  },
  {
    name: 'layerNorm x[2,3,300], frozen γ β',
    inputs: [
      { shape: [2, 3, 300] },
      { shape: [300], init: 'positive', grad: false },
      { shape: [300], grad: false },
    ],
    forward: (tape, x, gamma, beta) => layerNorm(tape, x, gamma, beta, 1e-5),
  },
  {
    name: 'layerNorm x[3,1031], γ trainable, β frozen',
    inputs: [{ shape: [3, 1031] }, { shape: [1031] }, { shape: [1031], grad: false }],
    forward: (tape, x, gamma, beta) => layerNorm(tape, x, gamma, beta, 1e-5),
  },
  {
    name: 'quickGelu [5,37]',
    inputs: [{ shape: [5, 37] }],
    forward: (tape, x) => quickGelu(tape, x),
  },
  {
    name: 'gelu [3,111]',
    inputs: [{ shape: [3, 111] }],
    forward: (tape, x) => gelu(tape, x),
  },
  {
    name: 'gelu over every erf branch, x in [-8, 8]',
    inputs: [{ shape: [161], init: { values: linspace(161, -8, 8) } }],
    forward: (tape, x) => gelu(tape, x),
  },
  {
    name: 'l2Normalize [7,37]',
    inputs: [{ shape: [7, 37] }],
    forward: (tape, x) => l2Normalize(tape, x),
  },
  {
    name: 'l2Normalize [2,2,300]',
    inputs: [{ shape: [2, 2, 300] }],
    forward: (tape, x) => l2Normalize(tape, x),
  },
  {
    name: 'cosineLogits ×100 img[5,19]·txt[7,19]ᵀ',
    inputs: [{ shape: [5, 19] }, { shape: [7, 19] }],
    forward: (tape, image, text) => cosineLogits(tape, image, text, 100),
  },
  {
    name: 'softmaxCrossEntropy [6,11]',
    inputs: [{ shape: [6, 11] }],
    forward: (tape, logits) => softmaxCrossEntropy(tape, logits, [0, 10, 3, 3, 7, 5]),
  },
  {
    name: 'softmaxCrossEntropy [3,300]',
    inputs: [{ shape: [3, 300] }],
    forward: (tape, logits) => softmaxCrossEntropy(tape, logits, [299, 0, 150]),
  },
  {
    name: 'softmaxCrossEntropy with class mask [5,9]',
    inputs: [{ shape: [5, 9] }],
    forward: (tape, logits) => softmaxCrossEntropy(tape, logits, maskedLabels, maskedRows),
  },
  {
    name: 'softmaxCrossEntropy logits ±30, +80 at masked classes [4,13]',
    inputs: [{ shape: [4, 13], init: { values: Array.from(largeLogits) } }],
    forward: (tape, logits) => softmaxCrossEntropy(tape, logits, largeLabels, largeRows),
  },
  {
    name: 'prompt-tuning head: CE(cosineLogits ×100 (frozen img[4,16])·txt[6,16]ᵀ)',
    inputs: [{ shape: [4, 16], grad: false }, { shape: [6, 16] }],
    forward: (tape, image, text) =>
      softmaxCrossEntropy(tape, cosineLogits(tape, image, text, 100), [5, 0, 2, 2]),
  },
];
