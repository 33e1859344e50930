/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {key: string}}`, then the raw
 * little-endian tensor bytes, offsets relative to the end of the header. Pure functions over bytes, so the
 * browser (fetched or dropped files) and Node (fixtures) read checkpoints the same way.
 */

import { decodeFloat16, encodeFloat16 } from './float16';

export type SafetensorsDType = 'F32' | 'F16' | 'I32' | 'I64';

/** Floats decode to float32 (F16 widened); integers to exact doubles. */
export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Where one tensor lives in the file, as the header declares it. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** Absolute offset in the file. */
  byteOffset: number;
  byteLength: number;
}

/** What `writeSafetensors` stores: values as numbers, encoded as `dtype` (F32 when not given). */
export interface TensorToWrite {
  dtype?: SafetensorsDType;
  shape: readonly number[];
  data: ArrayLike<number>;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = { F32: 4, F16: 2, I32: 4, I64: 8 };

/** The Rust reference refuses larger headers; a bigger length means the first 8 bytes are not a header. */
const MAX_HEADER_BYTES = 100_000_000;

// Typed arrays use the host's byte order and the format is little-endian: every platform we run on is.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('safetensors: big-endian hosts are not supported');
}

function isDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(BYTES_PER_ELEMENT, value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A plain Uint8Array: a Node Buffer's `slice` would return a view into its shared pool, not a copy. */
function asBytes(source: ArrayBuffer | Uint8Array): Uint8Array {
  return source instanceof Uint8Array
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
}

// ---- reading ----

/** A parsed header over the file's bytes; tensors are decoded one at a time, on request. */
export class SafetensorsFile {
  private constructor(
    private readonly bytes: Uint8Array,
    readonly metadata: Readonly<Record<string, string>>,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
  ) {}

  /** Validates the header and every tensor's extent; throws an Error naming what is wrong. */
  static parse(source: ArrayBuffer | Uint8Array): SafetensorsFile {
    const bytes = asBytes(source);
    if (bytes.length < 8) {
      throw new Error(`safetensors: ${bytes.length}-byte file is too short for the 8-byte header length`);
    }
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (headerLength > MAX_HEADER_BYTES) {
      throw new Error(`safetensors: header length ${headerLength} is implausible (not a safetensors file?)`);
    }
    const dataStart = 8 + headerLength;
    if (dataStart > bytes.length) {
      throw new Error(
        `safetensors: header claims ${headerLength} bytes but only ${bytes.length - 8} follow (truncated file?)`,
      );
    }
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
    } catch (error) {
      throw new Error(`safetensors: header is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      throw new Error('safetensors: header is not a JSON object');
    }
    const dataLength = bytes.length - dataStart;
    let metadata: Record<string, string> = {};
    const entries = new Map<string, SafetensorsEntry>();
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') metadata = parseMetadata(value);
      else entries.set(name, parseEntry(name, value, dataStart, dataLength));
    }
    return new SafetensorsFile(bytes, metadata, entries);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  read(name: string): SafetensorsTensor {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`safetensors: no tensor named '${name}'`);
    // A copy: the data is then aligned for its typed array and does not pin the whole file in memory.
    const raw = this.bytes.slice(entry.byteOffset, entry.byteOffset + entry.byteLength).buffer;
    return { dtype: entry.dtype, shape: entry.shape.slice(), data: decode(name, entry.dtype, raw) };
  }
}

function parseMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('safetensors: __metadata__ is not an object');
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`safetensors: __metadata__.${key} is not a string`);
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataStart: number, dataLength: number): SafetensorsEntry {
  const invalid = (why: string) => new Error(`safetensors: tensor '${name}' ${why}`);
  if (typeof value !== 'object' || value === null) throw invalid('has no {dtype, shape, data_offsets} entry');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDType(dtype)) {
    throw invalid(
      `has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')}`,
    );
  }
  const isCount = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount))
    throw invalid(`has invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw invalid(`has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementCount(shape) * BYTES_PER_ELEMENT[dtype];
  if (end - begin !== expected) {
    throw invalid(
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes; ${dtype} [${shape}] needs ${expected}`,
    );
  }
  if (end > dataLength) {
    throw invalid(`data_offsets [${begin}, ${end}] run past the ${dataLength} data bytes (truncated file?)`);
  }
  return { dtype, shape, byteOffset: dataStart + begin, byteLength: expected };
}

function decode(name: string, dtype: SafetensorsDType, raw: ArrayBuffer): Float32Array | Float64Array {
  switch (dtype) {
    case 'F32':
      return new Float32Array(raw);
    case 'F16':
      return decodeFloat16(new Uint16Array(raw));
    case 'I32':
      return Float64Array.from(new Int32Array(raw));
    case 'I64': {
      const wide = new BigInt64Array(raw);
      const out = new Float64Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const v = Number(wide[i]);
        if (!Number.isSafeInteger(v)) {
          throw new Error(`safetensors: tensor '${name}' holds ${wide[i]}, beyond exact double range`);
        }
        out[i] = v;
      }
      return out;
    }
  }
}

/** Every tensor of a file, decoded. */
export function readSafetensors(source: ArrayBuffer | Uint8Array): Map<string, SafetensorsTensor> {
  const file = SafetensorsFile.parse(source);
  return new Map(file.names.map((name) => [name, file.read(name)]));
}

// ---- writing ----

/** Serialises tensors in the given order; the header is space-padded to 8 bytes as the reference does. */
export function writeSafetensors(
  tensors: Iterable<readonly [string, TensorToWrite]>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`safetensors: duplicate name '${name}'`);
    const dtype = tensor.dtype ?? 'F32';
    if (elementCount(tensor.shape) !== tensor.data.length) {
      throw new Error(`safetensors: '${name}' has ${tensor.data.length} values for shape [${tensor.shape}]`);
    }
    const chunk = encode(name, dtype, tensor.data);
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + chunk.length] };
    chunks.push(chunk);
    offset += chunk.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function encode(name: string, dtype: SafetensorsDType, data: ArrayLike<number>): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(Float32Array.from(data).buffer);
    case 'F16':
      return new Uint8Array(Uint16Array.from(data, encodeFloat16).buffer);
    case 'I32':
    case 'I64': {
      const [low, high] =
        dtype === 'I32' ? [-(2 ** 31), 2 ** 31 - 1] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      const ints = Array.from(data, (v) => {
        if (!Number.isInteger(v) || v < low || v > high) {
          throw new Error(`safetensors: '${name}' value ${v} is not an ${dtype} integer`);
        }
        return v;
      });
      const array = dtype === 'I32' ? Int32Array.from(ints) : BigInt64Array.from(ints, (v) => BigInt(v));
      return new Uint8Array(array.buffer);
    }
  }
}
