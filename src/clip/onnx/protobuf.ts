/**
 * The protobuf wire format, read by hand: ONNX files are one ModelProto message, and we need a dozen of its
 * fields, not a protobuf runtime. A message is a run of (tag, value) pairs; the tag is a varint
 * `field << 3 | wireType`, and the wire type says how long the value is. Every read is bounds-checked, so a
 * truncated or foreign file fails with the byte offset where it stopped making sense.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

const utf8 = new TextDecoder('utf-8');

/** A cursor over one message's bytes; length-delimited fields are handed out as views, never copied. */
export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** Where `bytes` starts in the file, for error messages. */
    private readonly fileOffset = 0,
  ) {
    this.pos = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const at = this.pos;
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field < 1 || ![WIRE_VARINT, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_FIXED32].includes(wireType)) {
      throw this.error(`invalid field tag ${key}`, at);
    }
    return { field, wireType };
  }

  /**
   * A varint as an int64 in two's complement (negative int64 fields take 10 bytes), exact up to 2^53,
   * which covers every dimension, offset and attribute ONNX stores.
   */
  varint(): number {
    const at = this.pos;
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.bytes.length) throw this.error('varint runs past the end', at);
      const byte = this.bytes[this.pos++] as number;
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= (bits & 0x0f) << 28;
        high |= bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) {
        const value = (high | 0) * 2 ** 32 + (low >>> 0);
        if (!Number.isSafeInteger(value)) throw this.error(`varint ${value} is beyond exact doubles`, at);
        return value;
      }
    }
    throw this.error('varint longer than 10 bytes', at);
  }

  float32(): number {
    return this.view.getFloat32(this.advance(4), true);
  }

  float64(): number {
    return this.view.getFloat64(this.advance(8), true);
  }

  /** A length-delimited value: a view into the file's bytes. */
  bytesField(): Uint8Array {
    const length = this.varint();
    const start = this.advance(length);
    return this.bytes.subarray(start, start + length);
  }

  string(): string {
    return utf8.decode(this.bytesField());
  }

  /** A sub-message, read with its own cursor. */
  message(): ProtoReader {
    const length = this.varint();
    const start = this.advance(length);
    return new ProtoReader(this.bytes.subarray(start, start + length), this.fileOffset + start);
  }

  /** Repeated varints arrive packed (one length-delimited run) or one per tag: both are legal. */
  repeatedVarint(wireType: number, into: number[]): void {
    if (wireType === WIRE_VARINT) {
      into.push(this.varint());
      return;
    }
    const packed = this.message();
    while (!packed.done) into.push(packed.varint());
  }

  /** Repeated float (fixed32), packed or one per tag. */
  repeatedFloat32(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED32) {
      into.push(this.float32());
      return;
    }
    const packed = this.message();
    while (!packed.done) into.push(packed.float32());
  }

  /** Repeated double (fixed64), packed or one per tag. */
  repeatedFloat64(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED64) {
      into.push(this.float64());
      return;
    }
    const packed = this.message();
    while (!packed.done) into.push(packed.float64());
  }

  /** Skips a field this reader has no use for. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LENGTH_DELIMITED:
        this.advance(this.varint());
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw this.error(`cannot skip wire type ${wireType}`, this.pos);
    }
  }

  private advance(n: number): number {
    const start = this.pos;
    if (n < 0 || start + n > this.bytes.length) {
      throw this.error(`a ${n}-byte value runs past the end of its ${this.bytes.length}-byte message`, start);
    }
    this.pos += n;
    return start;
  }

  private error(what: string, at: number): ProtobufError {
    return new ProtobufError(`protobuf: ${what} at byte ${this.fileOffset + at}`);
  }
}

/** Calls `visit` for every field of the message; `visit` must consume or skip the value. */
export function readFields(
  reader: ProtoReader,
  visit: (field: number, wireType: number, reader: ProtoReader) => void,
): void {
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    visit(field, wireType, reader);
  }
}
