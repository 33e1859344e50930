/** IEEE binary16 ("half", float16) to and from float32: checkpoints and ONNX models store weights in it. */

let table: Float32Array | null = null;

/** Every binary16 pattern widened once: decoding a half-precision checkpoint is then one lookup a value. */
function float16Table(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    // Subnormal halves are fraction · 2^-24, normal in float32; the rest re-bias the exponent (15 → 127)
    // and keep infinities and NaN payloads.
    if (exponent === 0) table[h] = (sign ? -1 : 1) * fraction * 2 ** -24;
    else if (exponent === 31) bits[h] = sign | 0x7f800000 | (fraction << 13);
    else bits[h] = sign | ((exponent + 112) << 23) | (fraction << 13);
  }
  return table;
}

/** binary16 bit patterns → float32 values (exact: every half is a float32). */
export function decodeFloat16(halves: Uint16Array): Float32Array {
  const widened = float16Table();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = widened[halves[i] as number] as number;
  return out;
}

const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);

/** float32 → binary16 bits, rounding to nearest even like numpy and torch. */
export function encodeFloat16(value: number): number {
  float32[0] = value;
  const bits = float32Bits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (exponent === 128 + 15) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 31) return sign | 0x7c00;
  // Subnormal halves count units of 2^-24: shift the full 24-bit significand down to that scale.
  const shift = exponent <= 0 ? 14 - exponent : 13;
  if (shift > 24) return sign;
  if (exponent <= 0) mantissa |= 0x800000;
  let half = (exponent <= 0 ? 0 : exponent << 10) | (mantissa >>> shift);
  const rest = mantissa & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > halfway || (rest === halfway && half & 1)) half++;
  return sign | half;
}
