import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsFile, type TensorToWrite, writeSafetensors } from './safetensors';

const pythonFile = readFileSync(
  new URL('../../../fixtures/engine/safetensors_dtypes.safetensors', import.meta.url),
);

/** A file whose JSON header is `header` followed by `dataBytes` zero bytes. */
function handMade(header: string, dataBytes = 0): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors', () => {
  it('round-trips every dtype, metadata and shape', () => {
    const tensors: [string, TensorToWrite][] = [
      ['half', { dtype: 'F16', shape: [3], data: [1, -0.5, 65504] }],
      ['float', { shape: [2, 3], data: [1.5, -2, 3e-8, 1e30, 0, -7] }],
      ['ints', { dtype: 'I32', shape: [3], data: [-(2 ** 31), 7, 2 ** 31 - 1] }],
      ['longs', { dtype: 'I64', shape: [1, 2], data: [-(2 ** 53) + 1, 2 ** 53 - 1] }],
      ['scalar', { shape: [], data: [0.25] }],
      ['empty', { shape: [0, 4], data: [] }],
    ];
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const file = SafetensorsFile.parse(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.names).toEqual(tensors.map(([name]) => name));
    for (const [name, tensor] of tensors) {
      const read = file.read(name);
      expect(read.dtype).toBe(tensor.dtype ?? 'F32');
      expect(read.shape).toEqual(tensor.shape);
      const isFloat = read.dtype === 'F32' || read.dtype === 'F16';
      expect(Array.from(read.data)).toEqual(
        Array.from(isFloat ? Float32Array.from(tensor.data) : tensor.data),
      );
    }
  });

  it('rounds to half precision to nearest even, like numpy', () => {
    const values = [1 / 3, 65519, 65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, -(2 ** -14) * 1.5, Number.NaN];
    const bytes = writeSafetensors([['h', { dtype: 'F16', shape: [values.length], data: values }]]);
    const decoded = Array.from(readSafetensors(bytes).get('h')?.data ?? []);
    expect(decoded).toEqual([
      0.333251953125,
      65504,
      Number.POSITIVE_INFINITY,
      2 ** -24,
      0,
      2 ** -24,
      -(2 ** -14) * 1.5,
      Number.NaN,
    ]);
  });

  it('reads a file written by Python, tensors unaligned after an odd-length F16', () => {
    const file = SafetensorsFile.parse(pythonFile);
    expect(file.metadata).toEqual({ format: 'pt', note: 'dtype sampler' });
    const read = (name: string) => {
      const t = file.read(name);
      return { dtype: t.dtype, shape: t.shape, data: Array.from(t.data) };
    };
    expect(read('half')).toEqual({
      dtype: 'F16',
      shape: [9],
      data: [
        0,
        -0,
        1,
        -2.5,
        65504,
        2 ** -24,
        0.333251953125,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ],
    });
    expect(read('float')).toEqual({
      dtype: 'F32',
      shape: [2, 3],
      data: Array.from(Float32Array.from([1.5, -2.25, 3e-8, 1e30, 0, -7])),
    });
    expect(read('int32')).toEqual({ dtype: 'I32', shape: [4], data: [-(2 ** 31), -1, 0, 2 ** 31 - 1] });
    expect(read('int64')).toEqual({
      dtype: 'I64',
      shape: [2, 2],
      data: [-(2 ** 53) + 1, 0, 49407, 2 ** 53 - 1],
    });
    expect(read('scalar')).toEqual({ dtype: 'F32', shape: [], data: [0.25] });
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const bytes = writeSafetensors([['x', { shape: [2], data: [1, 2] }]]);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(Array.from(readSafetensors(padded.subarray(3)).get('x')?.data ?? [])).toEqual([1, 2]);
  });

  it('names what is wrong with a broken file', () => {
    const parse = (bytes: Uint8Array) => () => SafetensorsFile.parse(bytes);
    expect(parse(new Uint8Array(5))).toThrow(/5-byte file is too short/);
    expect(parse(pythonFile.subarray(0, 100))).toThrow(/header claims \d+ bytes but only 92 follow/);
    expect(parse(pythonFile.subarray(0, pythonFile.length - 1))).toThrow(
      /tensor 'scalar' data_offsets \[90, 94\] run past the 93 data bytes \(truncated file\?\)/,
    );
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    expect(parse(huge)).toThrow(/implausible/);
    expect(parse(handMade('{"x": '))).toThrow(/header is not valid JSON/);
    expect(parse(handMade('[1, 2]'))).toThrow(/header is not a JSON object/);
    expect(parse(handMade('{"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}', 2))).toThrow(
      /tensor 'x' has dtype "BF16"; supported: F32, F16, I32, I64/,
    );
    expect(parse(handMade('{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', 4))).toThrow(
      /invalid shape/,
    );
    expect(parse(handMade('{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', 8))).toThrow(
      /span 8 bytes; F32 \[3\] needs 12/,
    );
    expect(parse(handMade('{"__metadata__": {"n": 1}}'))).toThrow(/__metadata__.n is not a string/);
    expect(() => SafetensorsFile.parse(pythonFile).read('missing')).toThrow(/no tensor named 'missing'/);
  });

  it('refuses integers a double cannot hold and values a dtype cannot store', () => {
    const bytes = writeSafetensors([['n', { dtype: 'I64', shape: [1], data: [0] }]]);
    new DataView(bytes.buffer).setBigInt64(bytes.length - 8, 2n ** 60n, true);
    expect(() => readSafetensors(bytes)).toThrow(/'n' holds 1152921504606846976, beyond exact double range/);
    expect(() => writeSafetensors([['i', { dtype: 'I32', shape: [1], data: [0.5] }]])).toThrow(
      /'i' value 0.5 is not an I32 integer/,
    );
    expect(() => writeSafetensors([['f', { shape: [2], data: [1] }]])).toThrow(/1 values for shape \[2\]/);
  });
});
