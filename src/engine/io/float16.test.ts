import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16 } from './float16';

describe('float16', () => {
  it('decodes known values', () => {
    const halves = Uint16Array.from([0x3e00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00]);
    expect(Array.from(decodeFloat16(halves))).toEqual([1.5, -2, 65504, 2 ** -24, -0, Infinity, -Infinity]);
    expect(decodeFloat16(Uint16Array.from([0x7e00]))[0]).toBeNaN();
  });

  it('encodes every decoded half back to its own bits', () => {
    const every = Uint16Array.from({ length: 65536 }, (_, h) => h);
    const decoded = decodeFloat16(every);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(decoded[h])) continue;
      if (encodeFloat16(decoded[h] as number) !== h)
        throw new Error(`half 0x${h.toString(16)} does not round-trip`);
    }
  });

  it('rounds to nearest even', () => {
    // 1 + 2^-11 lies halfway between the halves 1 and 1 + 2^-10: the even one (1) wins.
    expect(encodeFloat16(1 + 2 ** -11)).toBe(0x3c00);
    expect(encodeFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(encodeFloat16(70000)).toBe(0x7c00);
  });
});
