import { describe, expect, it } from 'vitest';
import { Random } from '../engine/random';
import { epochBatches } from './mixed-batches';

/** Task t's examples as `t:i` strings. */
const sets = [40, 10, 6].map((n, t) => Array.from({ length: n }, (_, i) => `${t}:${i}`));
const taskOf = (example: string) => Number(example.split(':')[0]);
const shares = (batches: string[][]) => {
  const counts = [0, 0, 0];
  for (const example of batches.flat()) counts[taskOf(example)] = (counts[taskOf(example)] as number) + 1;
  return counts;
};

describe('mixed batches', () => {
  it("keep Dassl's step count for all the sets together", () => {
    for (const sampling of ['uniform', 'proportional'] as const) {
      const batches = epochBatches(sets, 8, sampling, new Random(1));
      expect(batches.length).toBe(7);
      expect(batches.every((b) => b.length === 8)).toBe(true);
    }
    // Fewer examples than a batch: one batch of all of them.
    expect(epochBatches([['a'], ['b', 'c']], 8, 'uniform', new Random(1)).map((b) => b.length)).toEqual([3]);
  });

  it('uniform: every task fills an equal share of the epoch, whatever its size', () => {
    const batches = epochBatches(sets, 8, 'uniform', new Random(2));
    const counts = shares(batches);
    expect(counts.reduce((a, b) => a + b)).toBe(56);
    for (const count of counts) expect([18, 19]).toContain(count);
    // The small task starts over once its 6 are used: each seen 3 or 4 times, none skipped.
    const small = batches.flat().filter((e) => taskOf(e) === 2);
    expect(new Set(small).size).toBe(6);
    // Batches mix tasks.
    expect(batches.filter((b) => new Set(b.map(taskOf)).size > 1).length).toBe(batches.length);
  });

  it('proportional: each task in proportion to its size, each example at most once', () => {
    const counts = [0, 0, 0];
    for (let seed = 0; seed < 50; seed++) {
      const batches = epochBatches(sets, 8, 'proportional', new Random(seed));
      const flat = batches.flat();
      expect(new Set(flat).size).toBe(flat.length);
      shares(batches).forEach((c, t) => {
        counts[t] = (counts[t] as number) + c;
      });
    }
    const total = counts.reduce((a, b) => a + b);
    [40, 10, 6].forEach((n, t) => {
      expect((counts[t] as number) / total).toBeCloseTo(n / 56, 1);
    });
  });

  it('is the same for the same random stream, and differs for another', () => {
    for (const sampling of ['uniform', 'proportional'] as const) {
      const first = epochBatches(sets, 8, sampling, new Random(5));
      expect(epochBatches(sets, 8, sampling, new Random(5))).toEqual(first);
      expect(epochBatches(sets, 8, sampling, new Random(6))).not.toEqual(first);
    }
  });

  it('refuses a task with no training examples', () => {
    expect(() => epochBatches([['a'], []], 4, 'uniform', new Random(1))).toThrow(/task 1 has no training/);
  });
});
