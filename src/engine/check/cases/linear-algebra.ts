import { linear, matmul } from '../../ops/matmul';
import type { OpCase } from '../op-check';

/** Odd sizes on purpose: nothing here is a multiple of a tile or of 4 unless the case says so. */
export const linearAlgebraCases: OpCase[] = [
  {
    name: 'linear x[2,7,13]·W[5,13]ᵀ + b',
    inputs: [{ shape: [2, 7, 13] }, { shape: [5, 13] }, { shape: [5] }],
    forward: (tape, x, w, b) => linear(tape, x, w, b),
  },
  {
    name: 'linear (frozen W, no bias) x[37,68]·W[70,68]ᵀ',
    inputs: [{ shape: [37, 68] }, { shape: [70, 68], grad: false }],
    forward: (tape, x, w) => linear(tape, x, w),
  },
  {
    name: 'linear vec4 x[65,32]·W[96,32]ᵀ + b',
    inputs: [{ shape: [65, 32] }, { shape: [96, 32] }, { shape: [96] }],
    forward: (tape, x, w, b) => linear(tape, x, w, b),
  },
  {
    name: 'matmul [3,9,11]·[3,11,6]',
    inputs: [{ shape: [3, 9, 11] }, { shape: [3, 11, 6] }],
    forward: (tape, a, b) => matmul(tape, a, b),
  },
  {
    name: 'matmul Aᵀ [2,11,9]ᵀ·[2,11,70]',
    inputs: [{ shape: [2, 11, 9] }, { shape: [2, 11, 70] }],
    forward: (tape, a, b) => matmul(tape, a, b, { transA: true }),
  },
  {
    name: 'matmul Bᵀ α=0.5 [2,67,8]·[2,33,8]ᵀ',
    inputs: [{ shape: [2, 67, 8] }, { shape: [2, 33, 8] }],
    forward: (tape, a, b) => matmul(tape, a, b, { transB: true, alpha: 0.5 }),
  },
  {
    name: 'matmul AᵀBᵀ [5,3]ᵀ·[7,5]ᵀ',
    inputs: [{ shape: [5, 3] }, { shape: [7, 5] }],
    forward: (tape, a, b) => matmul(tape, a, b, { transA: true, transB: true }),
  },
];
