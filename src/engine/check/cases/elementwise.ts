import { add, scale } from '../../ops/elementwise';
import { mean, sum } from '../../ops/reduce';
import type { OpCase } from '../op-check';

export const elementwiseCases: OpCase[] = [
  {
    name: 'add [3,5,7]',
    inputs: [{ shape: [3, 5, 7] }, { shape: [3, 5, 7] }],
    forward: (tape, a, b) => add(tape, a, b),
  },
  {
    name: 'add (same tensor twice) [9]',
    inputs: [{ shape: [9] }],
    forward: (tape, a) => add(tape, a, a),
  },
  {
    name: 'scale ×-1.5 [4,3]',
    inputs: [{ shape: [4, 3] }],
    forward: (tape, a) => scale(tape, a, -1.5),
  },
  {
    name: 'sum [1000]',
    inputs: [{ shape: [1000] }],
    forward: (tape, a) => sum(tape, a),
  },
  {
    name: 'mean [13,3]',
    inputs: [{ shape: [13, 3] }],
    forward: (tape, a) => mean(tape, a),
  },
];
