import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../engine/io/safetensors';
import { readClipCheckpoint } from './clip-model';
import { type HostTensor, recoverTowerWeights } from './clip-weights';
import { parseClipConfig } from './config';
import { decodeOnnxModel, type OnnxGraph, type OnnxTensor } from './onnx/onnx-model';
import { maxAbsDiff, TINY_CLIP_DIR } from './testing';

const MODEL_DIR = TINY_CLIP_DIR;
const present =
  existsSync(`${MODEL_DIR}onnx/vision_model.onnx`) && existsSync(`${MODEL_DIR}model.safetensors`);
if (!present) console.warn('skipping the ONNX weight tests: models/tiny-clip has no ONNX export yet');

describe.skipIf(!present)('CLIP weights recovered from the embedded ONNX export', () => {
  const configText = () => readFileSync(`${MODEL_DIR}config.json`, 'utf8');
  const files = () => ({
    config: configText(),
    textModel: new Uint8Array(readFileSync(`${MODEL_DIR}onnx/text_model.onnx`)),
    visionModel: new Uint8Array(readFileSync(`${MODEL_DIR}onnx/vision_model.onnx`)),
    externalData: new Map<string, Uint8Array>(),
  });
  const checkpoint = () => SafetensorsFile.parse(readFileSync(`${MODEL_DIR}model.safetensors`));

  /** Every recovered tensor against model.safetensors: same names, shapes and numbers. */
  function expectCheckpoint(weights: ReadonlyMap<string, HostTensor>, only?: string): void {
    const reference = checkpoint();
    const names = reference.names.filter((n) => n !== 'logit_scale' && (!only || n.startsWith(only)));
    for (const name of names) {
      const expected = reference.read(name);
      const actual = weights.get(name);
      expect(actual?.shape, name).toEqual(expected.shape);
      expect(maxAbsDiff(actual?.data ?? [], expected.data), name).toBe(0);
    }
  }

  it('recovers every parameter of model.safetensors, tensor by tensor, exactly', () => {
    const { weights } = readClipCheckpoint(files());
    expect(weights.size).toBe(checkpoint().names.filter((n) => n !== 'logit_scale').length);
    expectCheckpoint(weights);
  });

  const config = () => parseClipConfig(configText());
  const graph = (tower: 'text' | 'vision') => decodeOnnxModel(files()[`${tower}Model`]).graph;

  it('finds parameters by node scope when no initializer keeps its name', () => {
    for (const tower of ['text', 'vision'] as const) {
      const g = graph(tower);
      renameInitializers(g, (_, i) => `anonymous_${i}`);
      expectCheckpoint(recoverTowerWeights(g, config(), tower, tower), tower === 'text' ? 'text' : 'vis');
    }
  });

  it('reads a folded [1, N, C] position embedding and a Transpose of a named [out, in] weight', () => {
    const g = graph('vision');
    const table = g.initializers.get('vision_model.embeddings.position_embedding.weight') as OnnxTensor;
    g.initializers.delete(table.name);
    g.initializers.set('folded', { ...table, name: 'folded', dims: [1, ...table.dims] });
    const add = g.nodes.find((n) => n.name === '/vision_model/embeddings/Add');
    if (!add) throw new Error('no /vision_model/embeddings/Add');
    add.inputs = add.inputs.map((input) => (input.includes('position_embedding') ? 'folded' : input));

    const name = 'vision_model.encoder.layers.1.mlp.fc1.weight';
    const matmul = g.nodes.find((n) => n.name === '/vision_model/encoder/layers.1/mlp/fc1/MatMul');
    const stored = matmul && g.initializers.get(matmul.inputs[1] as string);
    if (!matmul || !stored) throw new Error('no fc1 MatMul weight');
    g.initializers.delete(stored.name);
    const hf = checkpoint().read(name);
    g.initializers.set(name, {
      ...stored,
      name,
      dims: hf.shape,
      raw: new Uint8Array(Float32Array.from(hf.data).buffer),
    });
    g.nodes.push({
      name: '/vision_model/encoder/layers.1/mlp/fc1/Transpose',
      opType: 'Transpose',
      domain: '',
      inputs: [name],
      outputs: ['fc1_transposed'],
      attributes: new Map([['perm', { name: 'perm', ints: [1, 0], floats: [] }]]),
    });
    matmul.inputs[1] = 'fc1_transposed';
    expectCheckpoint(recoverTowerWeights(g, config(), 'vision', 'vision'), 'vis');
  });

  it('refuses a quantised graph', () => {
    const g = graph('text');
    const matmul = g.nodes.find((n) => n.opType === 'MatMul');
    if (matmul) matmul.opType = 'MatMulInteger';
    expect(() => recoverTowerWeights(g, config(), 'text', 'onnx/text_model_quantized.onnx')).toThrow(
      'onnx/text_model_quantized.onnx: the graph is quantised (MatMulInteger nodes), which is not supported; use the plain float32 or float16 export',
    );
  });

  it('refuses a truncated ONNX file, naming it', () => {
    const broken = files();
    broken.textModel = broken.textModel.subarray(0, Math.floor(broken.textModel.length / 2));
    expect(() => readClipCheckpoint(broken)).toThrow(
      /^onnx\/text_model\.onnx is not a valid ONNX model \(truncated or corrupted\?\): protobuf: .* at byte \d+$/,
    );
  });

  it('refuses a config.json whose width disagrees with the graph', () => {
    const json = JSON.parse(configText());
    json.text_config.hidden_size = 256;
    expect(() => readClipCheckpoint({ ...files(), config: json })).toThrow(
      "onnx/text_model.onnx does not match config.json:\n  text_model.embeddings.token_embedding.weight: expected [731, 256] from config.json, ONNX has [731, 128] (tensor 'text_model.embeddings.token_embedding.weight')",
    );
  });

  it('refuses an MLP size that disagrees, naming the layer and both shapes', () => {
    const json = JSON.parse(configText());
    json.vision_config.intermediate_size = 256;
    expect(() => readClipCheckpoint({ ...files(), config: json })).toThrow(
      "vision_model.encoder.layers.0.mlp.fc1.weight: expected [256, 128] from config.json, ONNX has [512, 128] (MatMul '/vision_model/encoder/layers.0/mlp/fc1/MatMul')",
    );
  });

  it('refuses the wrong graph, layer count or activation', () => {
    const swapped = { ...files(), textModel: files().visionModel };
    expect(() => readClipCheckpoint(swapped)).toThrow(
      "onnx/text_model.onnx: not a CLIP text model: no /text_model/ scopes found (nodes are named like '/vision_model/embeddings/patch_embedding/Conv')",
    );
    const json = JSON.parse(configText());
    json.text_config.num_hidden_layers = 3;
    expect(() => readClipCheckpoint({ ...files(), config: json })).toThrow(
      "onnx/text_model.onnx: the ONNX text tower has 4 layers, config.json's text_config.num_hidden_layers says 3",
    );
    const gelu = JSON.parse(configText());
    gelu.vision_config.hidden_act = 'gelu';
    expect(() => readClipCheckpoint({ ...files(), config: gelu })).toThrow(
      "onnx/vision_model.onnx: config.json's vision_config.hidden_act is gelu, but the ONNX MLP computes quick_gelu",
    );
  });
});

/** Renames initializers (and their uses), as an exporter that keeps no parameter names would. */
function renameInitializers(graph: OnnxGraph, rename: (name: string, index: number) => string): void {
  const names = new Map([...graph.initializers.keys()].map((name, i) => [name, rename(name, i)]));
  graph.initializers = new Map(
    [...graph.initializers.values()].map((t) => {
      const name = names.get(t.name) as string;
      return [name, { ...t, name }];
    }),
  );
  for (const node of graph.nodes) node.inputs = node.inputs.map((input) => names.get(input) ?? input);
}
