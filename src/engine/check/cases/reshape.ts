import { reshape } from '../../ops/reshape';
import { sliceTokens } from '../../ops/tokens';
import type { OpCase } from '../op-check';

export const reshapeCases: OpCase[] = [
  {
    name: 'reshape [3,5,7] → [1,15,7]',
    inputs: [{ shape: [3, 5, 7] }],
    forward: (tape, x) => reshape(tape, x, [1, 15, 7]),
  },
  {
    name: 'reshape rows [5, 10) of a packed [15,3] weight → [5,3] (slice between two reshapes)',
    inputs: [{ shape: [15, 3] }],
    forward: (tape, w) => reshape(tape, sliceTokens(tape, w, 5, 5), [5, 3]),
  },
];
