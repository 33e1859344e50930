import { broadcastAdd } from '../../ops/broadcast-add';
import { embedding } from '../../ops/embedding';
import { patchify } from '../../ops/patchify';
import type { OpCase } from '../op-check';

/** How a CLIP's inputs become tokens: token and position embeddings, image patches. */
export const clipInputCases: OpCase[] = [
  {
    name: 'embedding lookup table [11,7] ids [2][5] (frozen table, repeated ids)',
    inputs: [{ shape: [11, 7], grad: false }],
    forward: (tape, table) =>
      embedding(tape, table, [
        [0, 10, 3, 3, 7],
        [10, 1, 2, 0, 9],
      ]),
  },
  {
    name: 'broadcastAdd [3,5,7] + rows [5,7]',
    inputs: [{ shape: [3, 5, 7] }, { shape: [5, 7] }],
    forward: (tape, x, rows) => broadcastAdd(tape, x, rows),
  },
  {
    name: 'broadcastAdd [2,3,5] + first 3 of rows [8,5] (shortened text)',
    inputs: [{ shape: [2, 3, 5] }, { shape: [8, 5] }],
    forward: (tape, x, rows) => broadcastAdd(tape, x, rows),
  },
  {
    name: 'broadcastAdd [2,17,9] + frozen rows [17,9]',
    inputs: [{ shape: [2, 17, 9] }, { shape: [17, 9], grad: false }],
    forward: (tape, x, rows) => broadcastAdd(tape, x, rows),
  },
  {
    name: 'patchify [2,3,15,10] patch 5 → [2,6,75]',
    inputs: [{ shape: [2, 3, 15, 10], grad: false }],
    forward: (tape, pixels) => patchify(tape, pixels, 5),
  },
];
