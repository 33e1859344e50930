import { checkpoint } from '../checkpoint';
import { gelu, quickGelu } from '../ops/activations';
import { attention } from '../ops/attention';
import { add } from '../ops/elementwise';
import { layerNorm } from '../ops/layer-norm';
import type { KeyMask } from '../ops/masked-softmax';
import { linear } from '../ops/matmul';
import type { Tape } from '../tape';
import type { Tensor } from '../tensor';

/** A layer norm's gain and shift, or a linear layer's [out, in] weight and bias. */
export interface Affine {
  weight: Tensor;
  bias: Tensor;
}

/**
 * One CLIP transformer layer, named after Hugging Face's CLIPEncoderLayer. A type, not an interface, so
 * that it can be built part by part from `PARTS`.
 */
export type ResidualBlockWeights = {
  layerNorm1: Affine;
  q: Affine;
  k: Affine;
  v: Affine;
  out: Affine;
  layerNorm2: Affine;
  fc1: Affine;
  fc2: Affine;
};

export interface ResidualBlockOptions {
  heads: number;
  /** The text tower's causal mask; the vision tower attends both ways. */
  causal: boolean;
  keyMask?: KeyMask | undefined;
  /** OpenAI's CLIP checkpoints use quick_gelu; some OpenCLIP ones exact gelu. */
  activation: 'quick_gelu' | 'gelu';
  eps: number;
  /** Recompute the block's activations during backward instead of keeping them. */
  checkpoint?: boolean;
}

/** Where each part lives in a Hugging Face checkpoint, below the layer's prefix. */
const HF_NAMES: Readonly<Record<keyof ResidualBlockWeights, string>> = {
  layerNorm1: 'layer_norm1',
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  out: 'self_attn.out_proj',
  layerNorm2: 'layer_norm2',
  fc1: 'mlp.fc1',
  fc2: 'mlp.fc2',
};

const PARTS = Object.keys(HF_NAMES) as (keyof ResidualBlockWeights)[];

/**
 * The layer at `prefix` (e.g. `vision_model.encoder.layers.3.`) of a checkpoint's name → tensor map.
 * Throws naming the first tensor the map lacks.
 */
export function residualBlockWeightsFrom(
  tensors: ReadonlyMap<string, Tensor>,
  prefix: string,
): ResidualBlockWeights {
  const get = (name: string): Tensor => {
    const t = tensors.get(prefix + name);
    if (!t) throw new Error(`residual block: the checkpoint has no tensor '${prefix}${name}'`);
    return t;
  };
  return mapParts((part) => ({
    weight: get(`${HF_NAMES[part]}.weight`),
    bias: get(`${HF_NAMES[part]}.bias`),
  }));
}

/** The block's tensors in a fixed order: the weights' half of a checkpointed segment's inputs. */
function blockTensors(weights: ResidualBlockWeights): Tensor[] {
  return PARTS.flatMap((part) => [weights[part].weight, weights[part].bias]);
}

function mapParts(f: (part: keyof ResidualBlockWeights, index: number) => Affine): ResidualBlockWeights {
  return Object.fromEntries(PARTS.map((part, i) => [part, f(part, i)])) as ResidualBlockWeights;
}

/**
 * x [B, T, C] → [B, T, C], pre-LN as CLIP computes it:
 * x + out(attn(q, k, v of ln1(x))), then + fc2(act(fc1(ln2(·)))). With `checkpoint`, only x and the
 * output stay alive between forward and backward.
 */
export function residualAttentionBlock(
  tape: Tape,
  x: Tensor,
  weights: ResidualBlockWeights,
  options: ResidualBlockOptions,
): Tensor {
  if (!options.checkpoint) return blockForward(tape, x, weights, options);
  return checkpoint(tape, [x, ...blockTensors(weights)], (segmentTape, [segmentX, ...tensors]) => {
    const w = mapParts((_, i) => ({ weight: tensors[2 * i] as Tensor, bias: tensors[2 * i + 1] as Tensor }));
    return blockForward(segmentTape, segmentX as Tensor, w, options);
  });
}

/**
 * Each intermediate is released once consumed: `release` frees only what no backward reads, so inference
 * holds a few activations at a time and training keeps exactly what its backward needs.
 */
function blockForward(tape: Tape, x: Tensor, w: ResidualBlockWeights, options: ResidualBlockOptions): Tensor {
  const normed = layerNorm(tape, x, w.layerNorm1.weight, w.layerNorm1.bias, options.eps);
  const q = linear(tape, normed, w.q.weight, w.q.bias);
  const k = linear(tape, normed, w.k.weight, w.k.bias);
  const v = linear(tape, normed, w.v.weight, w.v.bias);
  tape.release(normed);
  const context = attention(tape, q, k, v, {
    heads: options.heads,
    causal: options.causal,
    keyMask: options.keyMask,
  });
  release(tape, q, k, v);
  const attended = linear(tape, context, w.out.weight, w.out.bias);
  tape.release(context);
  const mid = add(tape, x, attended);
  tape.release(attended);

  const normed2 = layerNorm(tape, mid, w.layerNorm2.weight, w.layerNorm2.bias, options.eps);
  const hidden = linear(tape, normed2, w.fc1.weight, w.fc1.bias);
  tape.release(normed2);
  const activated = options.activation === 'quick_gelu' ? quickGelu(tape, hidden) : gelu(tape, hidden);
  tape.release(hidden);
  const mlp = linear(tape, activated, w.fc2.weight, w.fc2.bias);
  tape.release(activated);
  const y = add(tape, mid, mlp);
  release(tape, mid, mlp);
  return y;
}

function release(tape: Tape, ...tensors: Tensor[]): void {
  for (const t of tensors) tape.release(t);
}
