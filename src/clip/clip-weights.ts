import { type ClipConfig, visionTokens } from './config';
import {
  ONNX_BFLOAT16,
  ONNX_DOUBLE,
  ONNX_FLOAT,
  ONNX_FLOAT16,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  tensorToFloat32,
} from './onnx/onnx-model';

/**
 * Every parameter of a CLIP tower, recovered from an ONNX export under its Hugging Face name and layout.
 *
 * What exporters do to the weights, and how each is undone:
 * - Kept names: biases, layer norms, embeddings, class_embedding, the patch-embedding Conv weight stay
 *   initializers named as in the state dict.
 * - Anonymous Linear weights: torch.onnx constant-folds `x·Wᵀ` into a MatMul with a pre-transposed
 *   initializer (`onnx::MatMul_123`); the MatMul node's scope (`/text_model/encoder/layers.0/self_attn/q_proj/
 *   MatMul`) names the module, and the weight is transposed back to [out, in]. Gemm (transB) is read the same.
 * - Unfolded exports: a Transpose (or Cast, Identity) between the named weight and its consumer is seen through.
 * - Deduplicated values: torch replaces equal initializers (zero biases, unit norms of a fresh model) by one
 *   initializer plus Identity nodes whose outputs carry the other names; where no name survives at all, the
 *   consuming node's scope gives it (Add → bias, Mul → layer-norm weight, Gather → embedding table, ...).
 * - Folded position embedding: the vision tower's `position_embedding(position_ids)` is constant, so an
 *   exporter may fold it into a [1, N, C] constant added in `/vision_model/embeddings/`; it is the table itself.
 * - float16 / bfloat16 / float64 weights are widened to float32; external data (graphs over 2 GB) is read
 *   from the supplied `*.onnx_data` files. LayerNormalization (opset 17+) and Gelu (opset 20) are read too.
 * Refused with a message: quantised graphs (MatMulInteger, DequantizeLinear, ...), graphs fused by
 * onnxruntime's optimiser (Attention, SkipLayerNormalization, ...), and anything whose parameters do not
 * cover HF's CLIP at the shapes config.json gives.
 */

/** A float32 tensor in host memory, row-major. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type ClipTower = 'text' | 'vision';

/** The module prefix of each tower and the name of its projection, as in transformers' CLIPModel. */
const TOWERS = {
  text: { prefix: 'text_model', projection: 'text_projection' },
  vision: { prefix: 'vision_model', projection: 'visual_projection' },
} as const;

/** Every parameter a tower must have, with the shape config.json implies, in state-dict order. */
export function expectedParameters(config: ClipConfig, tower: ClipTower): Map<string, number[]> {
  const expected = new Map<string, number[]>();
  const { prefix, projection } = TOWERS[tower];
  const t = tower === 'text' ? config.text : config.vision;
  const c = t.hiddenSize;
  const norm = (name: string) => {
    expected.set(`${name}.weight`, [c]);
    expected.set(`${name}.bias`, [c]);
  };
  if (tower === 'text') {
    expected.set(`${prefix}.embeddings.token_embedding.weight`, [config.text.vocabSize, c]);
    expected.set(`${prefix}.embeddings.position_embedding.weight`, [config.text.maxPositions, c]);
  } else {
    const { channels, patchSize } = config.vision;
    expected.set(`${prefix}.embeddings.class_embedding`, [c]);
    expected.set(`${prefix}.embeddings.patch_embedding.weight`, [c, channels, patchSize, patchSize]);
    expected.set(`${prefix}.embeddings.position_embedding.weight`, [visionTokens(config.vision), c]);
    norm(`${prefix}.pre_layrnorm`);
  }
  for (let i = 0; i < t.layers; i++) {
    const layer = `${prefix}.encoder.layers.${i}`;
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
      expected.set(`${layer}.self_attn.${proj}.weight`, [c, c]);
      expected.set(`${layer}.self_attn.${proj}.bias`, [c]);
    }
    norm(`${layer}.layer_norm1`);
    expected.set(`${layer}.mlp.fc1.weight`, [t.intermediateSize, c]);
    expected.set(`${layer}.mlp.fc1.bias`, [t.intermediateSize]);
    expected.set(`${layer}.mlp.fc2.weight`, [c, t.intermediateSize]);
    expected.set(`${layer}.mlp.fc2.bias`, [c]);
    norm(`${layer}.layer_norm2`);
  }
  norm(tower === 'text' ? `${prefix}.final_layer_norm` : `${prefix}.post_layernorm`);
  expected.set(`${projection}.weight`, [config.projectionDim, c]);
  return expected;
}

// ---- constants in the graph ----

const FLOAT_TYPES = new Set([ONNX_FLOAT, ONNX_FLOAT16, ONNX_BFLOAT16, ONNX_DOUBLE]);

/** A float constant reaching some node input, and whether a Transpose on the way swapped its two axes. */
interface Constant {
  tensor: OnnxTensor;
  transposed: boolean;
}

/** Finds what constant, if any, feeds a value: an initializer, a Constant node, or one seen through ops. */
class Constants {
  private readonly producers = new Map<string, OnnxNode>();

  constructor(private readonly graph: OnnxGraph) {
    for (const node of graph.nodes) for (const output of node.outputs) this.producers.set(output, node);
  }

  resolve(name: string): Constant | null {
    const initializer = this.graph.initializers.get(name);
    if (initializer)
      return FLOAT_TYPES.has(initializer.dataType) ? { tensor: initializer, transposed: false } : null;
    const node = this.producers.get(name);
    if (!node) return null;
    switch (node.opType) {
      case 'Constant': {
        const value = node.attributes.get('value')?.t;
        return value && FLOAT_TYPES.has(value.dataType)
          ? { tensor: { ...value, name }, transposed: false }
          : null;
      }
      case 'Identity':
      case 'Cast':
        return this.resolve(node.inputs[0] ?? '');
      case 'Transpose': {
        const inner = this.resolve(node.inputs[0] ?? '');
        const perm = node.attributes.get('perm')?.ints ?? [1, 0];
        if (inner?.tensor.dims.length !== 2 || perm[0] !== 1 || perm[1] !== 0) return null;
        return { tensor: inner.tensor, transposed: !inner.transposed };
      }
      default:
        return null;
    }
  }
}

// ---- what a node's constant input is ----

/** One way to read a parameter: a constant, and whether its axes must be swapped to reach HF's layout. */
interface Candidate {
  constant: Constant;
  /** The two axes of the stored tensor are [in, out] and HF wants [out, in]. */
  transpose: boolean;
  /** Where it came from, for messages. */
  via: string;
}

/** `/text_model/encoder/layers.0/self_attn/q_proj/MatMul` → `text_model.encoder.layers.0.self_attn.q_proj`. */
function moduleScope(nodeName: string): string | null {
  if (!nodeName.startsWith('/')) return null;
  const parts = nodeName.split('/').slice(1, -1);
  return parts.length > 0 ? parts.join('.') : null;
}

/** The parameter each constant input of a node would be, given the module scope the node runs in. */
function scopedRoles(node: OnnxNode, scope: string): { input: number; name: string; transpose: boolean }[] {
  const either = (name: string) => [0, 1].map((input) => ({ input, name, transpose: false }));
  switch (node.opType) {
    case 'MatMul':
      return [{ input: 1, name: `${scope}.weight`, transpose: true }];
    case 'Gemm': {
      const transB = (node.attributes.get('transB')?.i ?? 0) === 1;
      return [
        { input: 1, name: `${scope}.weight`, transpose: !transB },
        { input: 2, name: `${scope}.bias`, transpose: false },
      ];
    }
    case 'Conv':
    case 'LayerNormalization':
      return [
        { input: 1, name: `${scope}.weight`, transpose: false },
        { input: 2, name: `${scope}.bias`, transpose: false },
      ];
    case 'Gather':
      return [{ input: 0, name: `${scope}.weight`, transpose: false }];
    case 'Mul':
      return either(`${scope}.weight`);
    case 'Add':
      return scope.endsWith('.embeddings')
        ? either(`${scope}.position_embedding.weight`)
        : either(`${scope}.bias`);
    case 'Expand':
    case 'Concat':
      return scope.endsWith('.embeddings') ? either(`${scope}.class_embedding`) : [];
    default:
      return [];
  }
}

/** Candidates for every parameter name: the exact name first, then what node scopes say. */
function candidatesByName(graph: OnnxGraph, names: Iterable<string>): Map<string, Candidate[]> {
  const constants = new Constants(graph);
  const candidates = new Map<string, Candidate[]>();
  for (const name of names) {
    const named = constants.resolve(name);
    candidates.set(name, named ? [{ constant: named, transpose: false, via: `tensor '${name}'` }] : []);
  }
  for (const node of graph.nodes) {
    const scope = moduleScope(node.name);
    if (!scope) continue;
    for (const role of scopedRoles(node, scope)) {
      const list = candidates.get(role.name);
      const constant = list && constants.resolve(node.inputs[role.input] ?? '');
      if (list && constant)
        list.push({ constant, transpose: role.transpose, via: `${node.opType} '${node.name}'` });
    }
  }
  return candidates;
}

/** The candidate's shape in HF's layout. */
function hfShape({ constant, transpose }: Candidate): number[] {
  const dims = constant.tensor.dims;
  return transpose !== constant.transposed ? [dims[1] as number, dims[0] as number] : [...dims];
}

/** Equal up to leading 1s: a folded [1, N, C] position table is the [N, C] parameter. */
function fits(shape: readonly number[], expected: readonly number[]): boolean {
  let start = 0;
  while (shape.length - start > expected.length && shape[start] === 1) start++;
  return shape.length - start === expected.length && expected.every((d, i) => shape[start + i] === d);
}

function hostTensor(candidate: Candidate, shape: number[]): HostTensor {
  const values = tensorToFloat32(candidate.constant.tensor);
  if (candidate.transpose === candidate.constant.transposed) return { shape, data: values };
  // Stored [rows, cols] → HF [cols, rows].
  const [rows, cols] = candidate.constant.tensor.dims as [number, number];
  const data = new Float32Array(values.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) data[c * rows + r] = values[r * cols + c] as number;
  return { shape, data };
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

// ---- structure checks ----

function layerIndices(graph: OnnxGraph, prefix: string): Set<number> {
  const pattern = new RegExp(`^/?${prefix}[./]encoder[./]layers\\.(\\d+)[./]`);
  const indices = new Set<number>();
  const names = [...graph.nodes.map((n) => n.name), ...graph.initializers.keys()];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) indices.add(Number(match[1]));
  }
  return indices;
}

/** Ops that mean quantised weights or onnxruntime's fused kernels, whose inputs no longer map to modules. */
const UNSUPPORTED_OPS: Readonly<Record<string, string>> = {
  MatMulInteger: 'quantised',
  QLinearMatMul: 'quantised',
  DequantizeLinear: 'quantised',
  DynamicQuantizeLinear: 'quantised',
  MatMulNBits: 'quantised',
  Attention: 'fused by an optimiser',
  MultiHeadAttention: 'fused by an optimiser',
  SkipLayerNormalization: 'fused by an optimiser',
  EmbedLayerNormalization: 'fused by an optimiser',
  FastGelu: 'fused by an optimiser',
  BiasGelu: 'fused by an optimiser',
};

function unsupportedGraph(graph: OnnxGraph): string | null {
  const node = graph.nodes.find((n) => Object.hasOwn(UNSUPPORTED_OPS, n.opType));
  return node
    ? `the graph is ${UNSUPPORTED_OPS[node.opType]} (${node.opType} nodes), which is not supported; use the plain float32 or float16 export`
    : null;
}

/** quick_gelu exports as x·sigmoid(1.702x), gelu as an Erf: the MLP's ops say which one was trained. */
function exportedActivation(graph: OnnxGraph, prefix: string): 'quick_gelu' | 'gelu' | null {
  const mlp = graph.nodes.filter((n) => n.name.startsWith(`/${prefix}/encoder/layers.0/mlp/`));
  if (mlp.some((n) => n.opType === 'Sigmoid')) return 'quick_gelu';
  if (mlp.some((n) => n.opType === 'Erf' || n.opType === 'Gelu')) return 'gelu';
  return null;
}

/**
 * The tower's parameters under their HF names, each checked against the shape config.json implies.
 * Throws, prefixed by `label`, when the graph is not this CLIP tower or does not match the config.
 */
export function recoverTowerWeights(
  graph: OnnxGraph,
  config: ClipConfig,
  tower: ClipTower,
  label: string,
): Map<string, HostTensor> {
  const { prefix, projection } = TOWERS[tower];
  const towerConfig = tower === 'text' ? config.text : config.vision;
  const inTower = (name: string) => name.startsWith(`/${prefix}/`) || name.startsWith(`${prefix}.`);
  if (!graph.nodes.some((n) => inTower(n.name)) && ![...graph.initializers.keys()].some(inTower)) {
    const example = graph.nodes.find((n) => n.name)?.name;
    throw new Error(
      `${label}: not a CLIP ${tower} model: no /${prefix}/ scopes found${example ? ` (nodes are named like '${example}')` : ''}`,
    );
  }
  const unsupported = unsupportedGraph(graph);
  if (unsupported) throw new Error(`${label}: ${unsupported}`);
  const layers = layerIndices(graph, prefix);
  if (layers.size !== towerConfig.layers) {
    throw new Error(
      `${label}: the ONNX ${tower} tower has ${layers.size} layers, config.json's ${tower}_config.num_hidden_layers says ${towerConfig.layers}`,
    );
  }
  const activation = exportedActivation(graph, prefix);
  if (activation && activation !== towerConfig.hiddenAct) {
    throw new Error(
      `${label}: config.json's ${tower}_config.hidden_act is ${towerConfig.hiddenAct}, but the ONNX MLP computes ${activation}`,
    );
  }

  const expected = expectedParameters(config, tower);
  const candidates = candidatesByName(graph, expected.keys());
  const weights = new Map<string, HostTensor>();
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const found = candidates.get(name) ?? [];
    const match = found.find((c) => fits(hfShape(c), shape));
    if (match) {
      weights.set(name, hostTensor(match, shape));
      continue;
    }
    const closest = found.find((c) => hfShape(c).length === shape.length) ?? found[0];
    problems.push(
      closest
        ? `${name}: expected ${shapeText(shape)} from config.json, ONNX has ${shapeText(hfShape(closest))} (${closest.via})`
        : `${name}: not found (no initializer of that name, no MatMul/Gemm/Add/... in scope /${name.split('.').slice(0, -1).join('/')}/)`,
    );
  }
  const unknown = [...graph.initializers.values()]
    .filter(
      (t) =>
        (inTower(t.name) || t.name.startsWith(`${projection}.`)) &&
        FLOAT_TYPES.has(t.dataType) &&
        !expected.has(t.name),
    )
    .map((t) => t.name);
  if (unknown.length > 0) {
    problems.push(`parameters a Hugging Face CLIP does not have: ${unknown.slice(0, 5).join(', ')}`);
  }
  if (problems.length > 0) {
    const more = problems.length > 4 ? `\n  … and ${problems.length - 4} more` : '';
    throw new Error(`${label} does not match config.json:\n  ${problems.slice(0, 4).join('\n  ')}${more}`);
  }
  return weights;
}
