import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../engine/io/safetensors';
import { TINY_CLIP_DIR } from '../testing';
import { decodeOnnxModel, tensorToFloat32 } from './onnx-model';

// ---- a tiny protobuf writer, independent of the reader under test ----

type Bytes = number[];

function varint(value: number | bigint): Bytes {
  // Negative int64 values are written as their 64-bit two's complement: 10 bytes.
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

const key = (field: number, wireType: number) => varint(field * 8 + wireType);
const intField = (field: number, value: number) => [...key(field, 0), ...varint(value)];
const bytesField = (field: number, payload: Bytes | Uint8Array) => [
  ...key(field, 2),
  ...varint(payload.length),
  ...payload,
];
const text = (field: number, s: string) => bytesField(field, [...new TextEncoder().encode(s)]);
const packed = (field: number, values: number[]) =>
  bytesField(
    field,
    values.flatMap((v) => varint(v)),
  );
const littleEndian = (array: Float32Array | Float64Array | Uint16Array) => [...new Uint8Array(array.buffer)];

/** float16 bits of 1.5, -2 and 65504 (the largest half). */
const HALVES = [0x3e00, 0xc000, 0x7bff];

function tensorProto(name: string, dataType: number, dims: number[], data: Bytes): Bytes {
  return [...packed(1, dims), ...intField(2, dataType), ...text(8, name), ...data];
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Bytes {
  const dimensions = dims.flatMap((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : text(2, d)));
  const tensorType = [...intField(1, elemType), ...bytesField(2, dimensions)];
  return [...text(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function exampleModel(): Uint8Array {
  const initializers = [
    // raw float32 [2, 3]
    tensorProto('W', 1, [2, 3], bytesField(9, littleEndian(Float32Array.of(1, 2, 3, 4, 5, 6)))),
    // float16 raw, and dims written unpacked (one tag per value)
    [
      ...intField(1, 3),
      ...intField(2, 10),
      ...text(8, 'H'),
      ...bytesField(9, littleEndian(Uint16Array.from(HALVES))),
    ],
    // bfloat16 in int32_data: 0x3fc0 is 1.5
    tensorProto('B', 16, [1], packed(5, [0x3fc0])),
    // float_data, unpacked fixed32 values
    tensorProto(
      'F',
      1,
      [2],
      [
        ...key(4, 5),
        ...littleEndian(Float32Array.of(0.25)),
        ...key(4, 5),
        ...littleEndian(Float32Array.of(-8)),
      ],
    ),
    tensorProto('D', 11, [1], bytesField(10, littleEndian(Float64Array.of(0.1)))),
    // external: bytes 4..12 of w.bin
    tensorProto(
      'E',
      1,
      [2],
      [
        ...bytesField(13, [...text(1, 'location'), ...text(2, 'w.bin')]),
        ...bytesField(13, [...text(1, 'offset'), ...text(2, '4')]),
        ...bytesField(13, [...text(1, 'length'), ...text(2, '8')]),
        ...intField(14, 1),
      ],
    ),
  ];
  const attribute = [...text(1, 'axis'), ...intField(3, -1), ...intField(20, 2)];
  const node = [
    ...text(1, 'x'),
    ...text(1, 'W'),
    ...text(2, 'y'),
    ...text(3, '/m/proj/MatMul'),
    ...text(4, 'MatMul'),
    ...bytesField(5, attribute),
  ];
  const graph = [
    ...bytesField(1, node),
    ...text(2, 'g'),
    ...initializers.flatMap((t) => bytesField(5, t)),
    ...bytesField(11, valueInfo('x', 1, ['batch', 2])),
    // IR < 4 lists initializers among the inputs too
    ...bytesField(11, valueInfo('W', 1, [2, 3])),
    ...bytesField(12, valueInfo('y', 1, ['batch', 3])),
  ];
  const opset = [...text(1, ''), ...intField(2, 17)];
  return Uint8Array.from([
    ...intField(1, 8),
    ...text(2, 'hand'),
    ...text(3, '1.0'),
    ...bytesField(7, graph),
    ...bytesField(8, opset),
  ]);
}

const externalFile = Uint8Array.from([0, 0, 0, 0, ...littleEndian(Float32Array.of(7, -7)), 0]);

describe('decodeOnnxModel on a hand-written ModelProto', () => {
  const model = decodeOnnxModel(exampleModel(), { externalData: new Map([['w.bin', externalFile]]) });
  const values = (name: string) =>
    Array.from(tensorToFloat32(model.graph.initializers.get(name) ?? fail(name)));
  const fail = (name: string): never => {
    throw new Error(`no initializer ${name}`);
  };

  it('reads the model header, nodes, attributes, inputs and outputs', () => {
    expect(model.irVersion).toBe(8);
    expect(model.producerName).toBe('hand');
    expect(model.opsetImports).toEqual([{ domain: '', version: 17 }]);
    const [node] = model.graph.nodes;
    expect(node?.opType).toBe('MatMul');
    expect(node?.name).toBe('/m/proj/MatMul');
    expect(node?.inputs).toEqual(['x', 'W']);
    expect(node?.attributes.get('axis')?.i).toBe(-1);
    expect(model.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: ['batch', 2] }]);
    expect(model.graph.outputs).toEqual([{ name: 'y', elemType: 1, shape: ['batch', 3] }]);
  });

  it('converts float32, float16, bfloat16, float64 and external tensors to float32', () => {
    expect(model.graph.initializers.get('W')?.dims).toEqual([2, 3]);
    expect(values('W')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(model.graph.initializers.get('H')?.dims).toEqual([3]);
    expect(values('H')).toEqual([1.5, -2, 65504]);
    expect(values('B')).toEqual([1.5]);
    expect(values('F')).toEqual([0.25, -8]);
    expect(values('D')[0]).toBeCloseTo(0.1, 7);
    expect(values('E')).toEqual([7, -7]);
  });

  it('names an external-data file that was not supplied', () => {
    expect(() => decodeOnnxModel(exampleModel(), { label: 'onnx/m.onnx' })).toThrow(
      "onnx/m.onnx: tensor 'E' keeps its data in the external file 'w.bin', which was not supplied",
    );
  });

  it('refuses every truncation inside the graph', () => {
    const bytes = exampleModel();
    const graphEnd = bytes.length - bytesField(8, [...text(1, ''), ...intField(2, 17)]).length;
    for (let cut = 0; cut < graphEnd; cut += 7) {
      expect(() => decodeOnnxModel(bytes.subarray(0, cut), { label: 'm.onnx' })).toThrow(/^m\.onnx is not/);
    }
  });
});

const tinyText = `${TINY_CLIP_DIR}onnx/text_model.onnx`;

describe.skipIf(!existsSync(tinyText))('decodeOnnxModel on the embedded text_model.onnx', () => {
  it('finds the graph torch.onnx.export wrote, with weights equal to model.safetensors', () => {
    const model = decodeOnnxModel(readFileSync(tinyText));
    expect(model.producerName).toBe('pytorch');
    expect(model.opsetImports).toContainEqual({ domain: '', version: 14 });
    expect(model.graph.inputs).toEqual([
      { name: 'input_ids', elemType: 7, shape: ['batch_size', 'sequence_length'] },
    ]);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['text_embeds', 'last_hidden_state']);
    const names = model.graph.nodes.map((n) => n.name);
    expect(names).toContain('/text_model/encoder/layers.0/self_attn/q_proj/MatMul');
    const checkpoint = SafetensorsFile.parse(readFileSync(`${TINY_CLIP_DIR}model.safetensors`));
    const name = 'text_model.final_layer_norm.weight';
    const norm = model.graph.initializers.get(name);
    expect(norm && Array.from(tensorToFloat32(norm))).toEqual(Array.from(checkpoint.read(name).data));
  });
});
