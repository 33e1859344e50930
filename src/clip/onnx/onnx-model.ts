import { decodeFloat16 } from '../../engine/io/float16';
import { ProtobufError, ProtoReader, readFields, WIRE_LENGTH_DELIMITED } from './protobuf';

/**
 * The part of an ONNX ModelProto (onnx/onnx.proto3) that a weight loader needs: the graph's nodes with
 * their wiring and attributes, its initializers, inputs and outputs. Tensor bytes stay views into the file
 * (or into the external-data file that holds them) until a weight is converted.
 */

/** TensorProto.DataType values this module names; the rest only appear in messages. */
export const ONNX_FLOAT = 1;
export const ONNX_FLOAT16 = 10;
export const ONNX_DOUBLE = 11;
export const ONNX_BFLOAT16 = 16;

const DATA_TYPES: Readonly<Record<number, { name: string; bytes: number }>> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  16: { name: 'bfloat16', bytes: 2 },
};

export function dataTypeName(dataType: number): string {
  return DATA_TYPES[dataType]?.name ?? `data type ${dataType}`;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian element bytes: raw_data, or the range of the external file. */
  raw: Uint8Array | null;
  /** The typed fields, used by small tensors: float_data, int32_data (also float16 bits), double_data. */
  floatData: number[];
  int32Data: number[];
  doubleData: number[];
  /** Set for tensors stored outside the model file (external_data); `raw` then points into that file. */
  external: ExternalPlacement | null;
}

/** external_data keys as ONNX defines them: where in which file the tensor's bytes are. */
export interface ExternalPlacement {
  location: string;
  offset: number;
  /** When absent, the tensor's own size. */
  length: number | null;
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A graph input or output: its element type and dimensions (numbers, or symbolic names). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Real inputs only: initializers that old IR versions also list as inputs are left out. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: { domain: string; version: number }[];
  graph: OnnxGraph;
}

export interface DecodeOptions {
  /** Files holding externally stored tensors (models over 2 GB), keyed by the `location` tensors name. */
  externalData?: ReadonlyMap<string, Uint8Array>;
  /** How messages refer to the file, e.g. `onnx/text_model.onnx`. */
  label?: string;
}

/** Decodes a ModelProto; throws naming the file and what is wrong with it. */
export function decodeOnnxModel(bytes: Uint8Array, options: DecodeOptions = {}): OnnxModel {
  const label = options.label ?? 'ONNX file';
  const model: OnnxModel = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetImports: [],
    graph: { name: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] },
  };
  let hasGraph = false;
  try {
    readFields(new ProtoReader(plainBytes(bytes)), (field, wireType, r) => {
      if (field === 1 && wireType === 0) model.irVersion = r.varint();
      else if (field === 2 && wireType === WIRE_LENGTH_DELIMITED) model.producerName = r.string();
      else if (field === 3 && wireType === WIRE_LENGTH_DELIMITED) model.producerVersion = r.string();
      else if (field === 7 && wireType === WIRE_LENGTH_DELIMITED) {
        model.graph = readGraph(r.message());
        hasGraph = true;
      } else if (field === 8 && wireType === WIRE_LENGTH_DELIMITED)
        model.opsetImports.push(readOpset(r.message()));
      else r.skip(wireType);
    });
  } catch (error) {
    if (error instanceof ProtobufError) {
      throw new Error(`${label} is not a valid ONNX model (truncated or corrupted?): ${error.message}`);
    }
    throw error;
  }
  if (!hasGraph || model.irVersion === 0) {
    throw new Error(`${label} is not an ONNX model: it has no ${hasGraph ? 'IR version' : 'graph'}`);
  }
  resolveExternalData(model.graph, options.externalData, label);
  return model;
}

function readOpset(r: ProtoReader): { domain: string; version: number } {
  const opset = { domain: '', version: 0 };
  readFields(r, (field, wireType, m) => {
    if (field === 1) opset.domain = m.string();
    else if (field === 2) opset.version = m.varint();
    else m.skip(wireType);
  });
  return opset;
}

function readGraph(r: ProtoReader): OnnxGraph {
  const graph: OnnxGraph = { name: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  const inputs: OnnxValueInfo[] = [];
  readFields(r, (field, wireType, m) => {
    if (wireType !== WIRE_LENGTH_DELIMITED) m.skip(wireType);
    else if (field === 1) graph.nodes.push(readNode(m.message()));
    else if (field === 2) graph.name = m.string();
    else if (field === 5) {
      const t = readTensor(m.message());
      graph.initializers.set(t.name, t);
    } else if (field === 11) inputs.push(readValueInfo(m.message()));
    else if (field === 12) graph.outputs.push(readValueInfo(m.message()));
    else m.skip(wireType);
  });
  graph.inputs = inputs.filter((input) => !graph.initializers.has(input.name));
  return graph;
}

function readNode(r: ProtoReader): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  readFields(r, (field, wireType, m) => {
    if (wireType !== WIRE_LENGTH_DELIMITED) m.skip(wireType);
    else if (field === 1) node.inputs.push(m.string());
    else if (field === 2) node.outputs.push(m.string());
    else if (field === 3) node.name = m.string();
    else if (field === 4) node.opType = m.string();
    else if (field === 5) {
      const a = readAttribute(m.message());
      node.attributes.set(a.name, a);
    } else if (field === 7) node.domain = m.string();
    else m.skip(wireType);
  });
  return node;
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', floats: [], ints: [] };
  readFields(r, (field, wireType, m) => {
    if (field === 1) a.name = m.string();
    else if (field === 2) a.f = m.float32();
    else if (field === 3) a.i = m.varint();
    else if (field === 4) a.s = m.bytesField();
    else if (field === 5) a.t = readTensor(m.message());
    else if (field === 7) m.repeatedFloat32(wireType, a.floats);
    else if (field === 8) m.repeatedVarint(wireType, a.ints);
    else m.skip(wireType);
  });
  return a;
}

function readTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = {
    name: '',
    dims: [],
    dataType: 0,
    raw: null,
    floatData: [],
    int32Data: [],
    doubleData: [],
    external: null,
  };
  const external = new Map<string, string>();
  let isExternal = false;
  readFields(r, (field, wireType, m) => {
    if (field === 1) m.repeatedVarint(wireType, t.dims);
    else if (field === 2) t.dataType = m.varint();
    else if (field === 4) m.repeatedFloat32(wireType, t.floatData);
    else if (field === 5) m.repeatedVarint(wireType, t.int32Data);
    else if (field === 8) t.name = m.string();
    else if (field === 9) t.raw = m.bytesField();
    else if (field === 10) m.repeatedFloat64(wireType, t.doubleData);
    else if (field === 13) {
      let key = '';
      let value = '';
      readFields(m.message(), (f, w, e) => {
        if (f === 1) key = e.string();
        else if (f === 2) value = e.string();
        else e.skip(w);
      });
      external.set(key, value);
    } else if (field === 14) isExternal = m.varint() === 1;
    else m.skip(wireType);
  });
  if (isExternal) {
    const number = (key: string) => {
      const text = external.get(key);
      return text === undefined ? null : Number(text);
    };
    t.external = {
      location: external.get('location') ?? '',
      offset: number('offset') ?? 0,
      length: number('length'),
    };
  }
  return t;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: 0, shape: [] };
  readFields(r, (field, wireType, m) => {
    if (field === 1) info.name = m.string();
    else if (field === 2) {
      // TypeProto.tensor_type (1) → Tensor { elem_type (1), shape (2) → TensorShapeProto { dim (1) } }.
      readFields(m.message(), (f, w, typeReader) => {
        if (f !== 1) return typeReader.skip(w);
        readFields(typeReader.message(), (g, w2, tensorReader) => {
          if (g === 1) info.elemType = tensorReader.varint();
          else if (g === 2) {
            readFields(tensorReader.message(), (h, w3, shapeReader) => {
              if (h === 1) info.shape.push(readDimension(shapeReader.message()));
              else shapeReader.skip(w3);
            });
          } else tensorReader.skip(w2);
        });
      });
    } else m.skip(wireType);
  });
  return info;
}

function readDimension(r: ProtoReader): number | string {
  let dim: number | string = '?';
  readFields(r, (field, wireType, m) => {
    if (field === 1) dim = m.varint();
    else if (field === 2) dim = m.string();
    else m.skip(wireType);
  });
  return dim;
}

/**
 * A plain Uint8Array over the same memory: tensor views are later copied with `slice()`, which on a Node
 * Buffer would return another view into the whole file instead of a copy.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Points every externally stored initializer's `raw` at its bytes in the supplied file. */
function resolveExternalData(
  graph: OnnxGraph,
  files: ReadonlyMap<string, Uint8Array> | undefined,
  label: string,
): void {
  for (const t of graph.initializers.values()) {
    const placement = t.external;
    if (!placement) continue;
    const given = files?.get(placement.location);
    const file = given && plainBytes(given);
    if (!file) {
      throw new Error(
        `${label}: tensor '${t.name}' keeps its data in the external file '${placement.location}', which was not supplied`,
      );
    }
    const length = placement.length ?? elementCount(t.dims) * (DATA_TYPES[t.dataType]?.bytes ?? 0);
    if (placement.offset + length > file.length) {
      throw new Error(
        `${label}: tensor '${t.name}' lies at bytes ${placement.offset}..${placement.offset + length} of '${placement.location}', which has ${file.length} (truncated?)`,
      );
    }
    t.raw = file.subarray(placement.offset, placement.offset + length);
  }
}

// ---- tensor values ----

/** A tensor's values as float32: float32 as is, float16 / bfloat16 / float64 converted. */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  const n = elementCount(t.dims);
  const what = `ONNX tensor '${t.name}' (${dataTypeName(t.dataType)} [${t.dims.join(', ')}])`;
  const check = (count: number) => {
    if (count !== n) throw new Error(`${what} holds ${count} values instead of ${n}`);
  };
  const raw = t.raw;
  switch (t.dataType) {
    case ONNX_FLOAT: {
      if (!raw) {
        check(t.floatData.length);
        return Float32Array.from(t.floatData);
      }
      check(raw.length / 4);
      // slice() copies into a fresh, aligned buffer: raw_data sits at any offset of the file.
      return new Float32Array(raw.slice().buffer);
    }
    case ONNX_FLOAT16:
    case ONNX_BFLOAT16: {
      const halves = raw ? new Uint16Array(raw.slice().buffer) : Uint16Array.from(t.int32Data);
      check(halves.length);
      if (t.dataType === ONNX_FLOAT16) return decodeFloat16(halves);
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = (halves[i] as number) << 16;
      return out;
    }
    case ONNX_DOUBLE: {
      const doubles = raw ? new Float64Array(raw.slice().buffer) : Float64Array.from(t.doubleData);
      check(doubles.length);
      return Float32Array.from(doubles);
    }
    default:
      throw new Error(
        `${what} is not a floating-point weight; quantised models are not supported, use a float32 or float16 export`,
      );
  }
}

/** Little-endian hosts only: typed arrays read raw_data in the host's byte order. */
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('onnx: big-endian hosts are not supported');
}
