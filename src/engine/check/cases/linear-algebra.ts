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
  // vec4 loads on every operand layout the forward and backward take, rows not a multiple of a block.
  {
    name: 'matmul vec4 [2,20,12]·[2,12,36]',
    inputs: [{ shape: [2, 20, 12] }, { shape: [2, 12, 36] }],
    forward: (tape, a, b) => matmul(tape, a, b),
  },
  {
    name: 'matmul Bᵀ vec4 α=0.25 [3,33,16]·[3,20,16]ᵀ',
    inputs: [{ shape: [3, 33, 16] }, { shape: [3, 20, 16] }],
    forward: (tape, a, b) => matmul(tape, a, b, { transB: true, alpha: 0.25 }),
  },
  {
    name: 'matmul Aᵀ vec4 with a K tail [2,7,12]ᵀ·[2,7,8]',
    inputs: [{ shape: [2, 7, 12] }, { shape: [2, 7, 8] }],
    forward: (tape, a, b) => matmul(tape, a, b, { transA: true }),
  },
  {
    name: 'linear one row x[1,8]·W[12,8]ᵀ + b',
    inputs: [{ shape: [1, 8] }, { shape: [12, 8] }, { shape: [12] }],
    forward: (tape, x, w, b) => linear(tape, x, w, b),
  },
];
