import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import { Random } from '../random';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { cpu64, testGpuBackend } from '../testing/backends';
import { attention } from './attention';

/** Attention written out loop by loop from its definition, independent of the head layout and the ops. */
function naiveAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  [batch, tokens, channels]: readonly [number, number, number],
  heads: number,
  causal: boolean,
  keyMask?: readonly number[],
): Float64Array {
  const dh = channels / heads;
  const out = new Float64Array(batch * tokens * channels);
  const at = (x: Float32Array, b: number, t: number, h: number, d: number) =>
    x[(b * tokens + t) * channels + h * dh + d] as number;
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < tokens; i++) {
        const weights = Array.from({ length: tokens }, (_, j) => {
          if ((causal && j > i) || keyMask?.[b * tokens + j] === 0) return 0;
          let s = 0;
          for (let d = 0; d < dh; d++) s += at(q, b, i, h, d) * at(k, b, j, h, d);
          return Math.exp(s / Math.sqrt(dh));
        });
        const total = weights.reduce((a, w) => a + w, 0);
        for (let d = 0; d < dh; d++) {
          let s = 0;
          for (let j = 0; j < tokens; j++) s += ((weights[j] as number) / (total || 1)) * at(v, b, j, h, d);
          out[(b * tokens + i) * channels + h * dh + d] = s;
        }
      }
  return out;
}

describe('attention', () => {
  const shape = [2, 6, 12] as const;
  const random = new Random(3);
  const [q, k, v] = [0, 1, 2].map(() => random.normals(2 * 6 * 12, 0.7)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const keyMask = [0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1];

  /** The output, and the bytes still held once attention returned, besides its inputs. */
  async function run(be: Backend, causal: boolean): Promise<{ values: Float32Array; held: number }> {
    const tape = new Tape(be, false);
    const [tq, tk, tv] = [q, k, v].map((x) => be.tensor(shape, x)) as [Tensor, Tensor, Tensor];
    const before = be.memory().inUse;
    const y = attention(tape, tq, tk, tv, { heads: 3, causal, keyMask });
    const held = be.memory().inUse - before;
    const values = await y.read();
    tape.dispose();
    for (const t of [tq, tk, tv]) t.free();
    return { values, held };
  }

  it.each([false, true])('matches the definition on both backends (causal=%s)', async (causal) => {
    const expected = naiveAttention(q, k, v, shape, 3, causal, keyMask);
    for (const be of [cpu64, await testGpuBackend()]) {
      const { values } = await run(be, causal);
      for (let i = 0; i < expected.length; i++) expect(values[i]).toBeCloseTo(expected[i] as number, 5);
    }
  });

  it('holds only its output when not recording', async () => {
    const { held } = await run(cpu64, true);
    expect(held).toBe(q.length * Float64Array.BYTES_PER_ELEMENT);
  });
});
