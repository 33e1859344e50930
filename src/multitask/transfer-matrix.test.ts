import { describe, expect, it } from 'vitest';
import { groupsFromMatrix, parseGroups, separateGroups } from './adaptation-groups';
import {
  matrixCsv,
  normaliseByTarget,
  rankSources,
  suggestGroups,
  type TransferMatrix,
} from './transfer-matrix';

// accuracy[source][target]; column b's best is a's prompt (0.8), not b's own; d was never measured on c.
const matrix: TransferMatrix = {
  tasks: ['a', 'b', 'c', 'd'],
  accuracy: [
    [0.9, 0.8, 0.2, 0.5],
    [0.45, 0.6, 0.4, 0.25],
    [0.3, 0.2, 0.8, 0.5],
    [0.9, 0.4, null, 1.0],
  ],
};

describe('transferability matrix', () => {
  it("divides each target's column by the best score on that target", () => {
    const expected = [
      [1, 1, 0.25, 0.5],
      [0.5, 0.75, 0.5, 0.25],
      [1 / 3, 0.25, 1, 0.5],
      [1, 0.5, null, 1],
    ];
    normaliseByTarget(matrix.accuracy).forEach((row, s) => {
      row.forEach((value, t) => {
        const want = expected[s]?.[t] ?? null;
        if (want === null) expect(value).toBeNull();
        else expect(value).toBeCloseTo(want, 12);
      });
    });
    expect(normaliseByTarget([[0, 0.5]])).toEqual([[0, 1]]);
  });

  it('suggests the top-1 and top-2 sources of every target, ties in task order', () => {
    const suggestions = suggestGroups(matrix);
    expect(suggestions.map((s) => [s.target, s.top1, s.top2])).toEqual([
      ['a', ['a', 'd'], ['a', 'd', 'b']],
      ['b', ['b', 'a'], ['b', 'a', 'd']],
      ['c', ['c', 'b'], ['c', 'b', 'a']],
      // b's 0.25 is below a's and c's 0.5, which tie: task order.
      ['d', ['d', 'a'], ['d', 'a', 'c']],
    ]);
    expect(suggestions[2]?.ranking).toEqual([
      { source: 'b', score: 0.5 },
      { source: 'a', score: 0.25 },
    ]);
    expect(rankSources(matrix, 'a', { worst: true }).map((r) => r.source)).toEqual(['c', 'b', 'd']);
    expect(() => rankSources(matrix, 'e')).toThrow(/no task e/);
  });

  it('writes CSV: one row per source, normalised scores, blanks where not measured', () => {
    expect(
      matrixCsv(
        ['a', 'b,c'],
        [
          [1, 0.5],
          [null, 0.123456],
        ],
      ),
    ).toBe('source \\ target,a,"b,c"\na,1.0000,0.5000\n"b,c",,0.1235\n');
  });
});

describe('adaptation groups', () => {
  const targets = ['a', 'b', 'c', 'd'];

  it('none: every target alone; a spec: the partition given, the rest alone', () => {
    expect(separateGroups(['a', 'b'])).toEqual([
      { tasks: ['a'], report: ['a'] },
      { tasks: ['b'], report: ['b'] },
    ]);
    expect(parseGroups('a+c, b', targets)).toEqual([
      { tasks: ['a', 'c'], report: ['a', 'c'] },
      { tasks: ['b'], report: ['b'] },
      { tasks: ['d'], report: ['d'] },
    ]);
    expect(() => parseGroups('a+e', targets)).toThrow(/names e, not one of the targets/);
    expect(() => parseGroups('a+b,b+c', targets)).toThrow(/b is in two groups/);
  });

  it('from the matrix: each target with its best (or worst) other targets, reporting the target only', () => {
    expect(groupsFromMatrix(matrix, ['a', 'b', 'c'], { size: 2 })).toEqual([
      { tasks: ['a', 'b'], report: ['a'] },
      { tasks: ['b', 'a'], report: ['b'] },
      { tasks: ['c', 'b'], report: ['c'] },
    ]);
    expect(groupsFromMatrix(matrix, targets, { size: 3, worst: true }).map((g) => g.tasks)).toEqual([
      ['a', 'c', 'b'],
      ['b', 'c', 'd'],
      ['c', 'a', 'b'],
      ['d', 'b', 'a'],
    ]);
    expect(() => groupsFromMatrix(matrix, ['c', 'd'], { size: 2 })).toThrow(/measures 0 other target/);
  });
});
