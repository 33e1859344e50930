import { describe, expect, it } from 'vitest';
import { Random } from '../engine/random';
import { nearestTokens } from './nearest-words';

/** Every distance computed, the whole vocabulary sorted: obviously right, and independent of the code. */
function bruteForce(table: Float32Array, width: number, vector: Float32Array, k: number) {
  const vocab = table.length / width;
  const all = Array.from({ length: vocab }, (_, id) => {
    let sum = 0;
    for (let c = 0; c < width; c++) sum += ((vector[c] as number) - (table[id * width + c] as number)) ** 2;
    return { id, distance: Math.sqrt(sum) };
  });
  all.sort((a, b) => a.distance - b.distance || a.id - b.id);
  return all.slice(0, k);
}

describe('nearestTokens', () => {
  const random = new Random(7);
  const width = 12;
  const vocab = 300;
  const table = Float32Array.from(random.normals(vocab * width, 1));

  it('matches a brute-force sort of every distance', () => {
    const vectors = Float32Array.from(random.normals(5 * width, 1));
    const found = nearestTokens(table, width, vectors, 4);
    expect(found).toHaveLength(5);
    found.forEach((row, r) => {
      const expected = bruteForce(table, width, vectors.subarray(r * width, (r + 1) * width), 4);
      expect(row.map((t) => t.id)).toEqual(expected.map((t) => t.id));
      row.forEach((t, i) => {
        expect(t.distance).toBeCloseTo(expected[i]?.distance as number, 5);
      });
    });
  });

  it('finds a token its vector sits on at distance 0, and breaks ties by id', () => {
    const copy = new Float32Array(table);
    copy.set(table.subarray(41 * width, 42 * width), 200 * width); // token 200 duplicates token 41
    const [row] = nearestTokens(copy, width, table.slice(41 * width, 42 * width), 3);
    expect(row?.slice(0, 2)).toEqual([
      { id: 41, distance: 0 },
      { id: 200, distance: 0 },
    ]);
  });

  it('returns the whole vocabulary when k exceeds it, and nothing for k = 0', () => {
    const small = table.slice(0, 3 * width);
    const vector = table.slice(0, width);
    expect(nearestTokens(small, width, vector, 10)[0]).toHaveLength(3);
    expect(nearestTokens(small, width, vector, 0)[0]).toEqual([]);
  });

  it('refuses vectors of another width', () => {
    expect(() => nearestTokens(table, width, new Float32Array(width + 1), 3)).toThrow(/rows of 12/);
  });
});
