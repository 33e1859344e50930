import { describe, expect, it } from 'vitest';
import type { TransferMatrix } from '../../../multitask/transfer-matrix';
import { cellDetail } from './cell-detail';

// accuracy[source][target]: on b the best source is a, not b itself; c was never measured on a.
const matrix: TransferMatrix = {
  tasks: ['a', 'b', 'c'],
  accuracy: [
    [0.9, 0.8, 0.2],
    [0.45, 0.6, 0.4],
    [null, 0.8, 0.8],
  ],
};

describe('cellDetail', () => {
  it('gives the raw and normalised value and the rank of the source among those measured on the target', () => {
    expect(cellDetail(matrix, 1, 0)).toEqual({
      source: 'b',
      target: 'a',
      raw: 0.45,
      normalised: 0.5,
      rank: 2,
      ranked: 2,
      best: { source: 'a', raw: 0.9 },
      diagonal: false,
    });
  });

  it("ranks a target's own prompt like any source: it need not be the best", () => {
    const own = cellDetail(matrix, 1, 1);
    expect(own).toMatchObject({ diagonal: true, rank: 3 });
    expect(own.normalised).toBeCloseTo(0.75, 12);
    expect(own.best).toEqual({ source: 'a', raw: 0.8 });
  });

  it('shares a rank between equal scores and names the first of them best', () => {
    expect(cellDetail(matrix, 2, 1)).toMatchObject({ rank: 1, normalised: 1, best: { source: 'a' } });
    expect(cellDetail(matrix, 0, 1)).toMatchObject({ rank: 1 });
  });

  it('has no value or rank for a cell not measured yet', () => {
    expect(cellDetail(matrix, 2, 0)).toMatchObject({ raw: null, normalised: null, rank: null, ranked: 2 });
  });

  it('refuses a cell outside the matrix', () => {
    expect(() => cellDetail(matrix, 3, 0)).toThrow('has 3 tasks');
  });
});
