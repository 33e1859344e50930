import { type ResidualBlockWeights, residualBlockWeightsFrom } from '../engine/nn/residual-attention-block';
import { broadcastAdd } from '../engine/ops/broadcast-add';
import { gatherRows } from '../engine/ops/gather-rows';
import { layerNorm } from '../engine/ops/layer-norm';
import { linear } from '../engine/ops/matmul';
import { patchify } from '../engine/ops/patchify';
import { concatTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import { sameShape, shapeString, Tensor } from '../engine/tensor';
import type { VisionConfig } from './config';
import { type LayerOptions, runEncoderLayers } from './encoder-layers';

export interface VisionOutput {
  /** [B, projection]: visual_projection(post_layernorm(CLS)), not normalised (HF `image_embeds`). */
  imageEmbeds: Tensor;
  /** [B, tokens, C], the last layer's output before post_layernorm, as HF returns it. */
  lastHiddenState: Tensor;
}

/** The same numbers under another shape (a Conv2d weight as the matrix of its matmul). */
function viewAs(t: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(t.backend, shape, t.storage, { isAlias: true, name: t.name });
}

/**
 * CLIP's frozen image encoder (HF CLIPVisionTransformer + visual_projection) on the engine, in three
 * steps a method can interleave with its own: `embed` (patches, CLS, positions, pre_layrnorm), the layers
 * (`forwardLayers`, with `beforeLayer` for VPT-deep), and `pool` (post_layernorm of token 0, projection).
 * VPT's prompts go between embed and the layers, after CLS: `[cls, prompts, patches]`.
 */
export class VisionTower {
  readonly layers: ResidualBlockWeights[];
  private readonly patchWeight: Tensor;
  private readonly classEmbedding: Tensor;
  private readonly positionEmbedding: Tensor;
  private readonly preNorm: { weight: Tensor; bias: Tensor };
  private readonly postNorm: { weight: Tensor; bias: Tensor };
  private readonly projection: Tensor;

  /** `weights` holds the HF-named parameters of `vision_model.*` and `visual_projection.weight`. */
  constructor(
    readonly config: VisionConfig,
    weights: ReadonlyMap<string, Tensor>,
  ) {
    const get = (name: string) => {
      const t = weights.get(name);
      if (!t) throw new Error(`vision tower: no weight '${name}'`);
      return t;
    };
    const { hiddenSize, channels, patchSize } = config;
    this.patchWeight = viewAs(get('vision_model.embeddings.patch_embedding.weight'), [
      hiddenSize,
      channels * patchSize * patchSize,
    ]);
    // [1, C]: one token shared by every image, as concatTokens broadcasts it.
    this.classEmbedding = viewAs(get('vision_model.embeddings.class_embedding'), [1, hiddenSize]);
    this.positionEmbedding = get('vision_model.embeddings.position_embedding.weight');
    this.preNorm = {
      weight: get('vision_model.pre_layrnorm.weight'),
      bias: get('vision_model.pre_layrnorm.bias'),
    };
    this.layers = Array.from({ length: config.layers }, (_, i) =>
      residualBlockWeightsFrom(weights, `vision_model.encoder.layers.${i}.`),
    );
    this.postNorm = {
      weight: get('vision_model.post_layernorm.weight'),
      bias: get('vision_model.post_layernorm.bias'),
    };
    this.projection = get('visual_projection.weight');
  }

  /** pixel_values [B, channels, S, S] → pre_layrnorm([CLS, patches] + positions): [B, 1 + P, C]. */
  embed(tape: Tape, pixels: Tensor): Tensor {
    const { channels, imageSize, patchSize, layerNormEps } = this.config;
    const expected = [pixels.shape[0] ?? 0, channels, imageSize, imageSize];
    if (!sameShape(pixels.shape, expected)) {
      throw new Error(
        `vision tower: pixel_values ${shapeString(pixels.shape)} must be ${shapeString(expected)}`,
      );
    }
    const patches = patchify(tape, pixels, patchSize);
    const projected = linear(tape, patches, this.patchWeight);
    tape.release(patches);
    const tokens = concatTokens(tape, [this.classEmbedding, projected]);
    tape.release(projected);
    const positioned = broadcastAdd(tape, tokens, this.positionEmbedding);
    tape.release(tokens);
    const x = layerNorm(tape, positioned, this.preNorm.weight, this.preNorm.bias, layerNormEps);
    tape.release(positioned);
    return x;
  }

  /** x [B, T, C] through every layer (bidirectional attention). */
  forwardLayers(tape: Tape, x: Tensor, options: LayerOptions = {}): Tensor {
    const { heads, hiddenAct: activation, layerNormEps: eps } = this.config;
    return runEncoderLayers(tape, x, this.layers, { heads, causal: false, activation, eps }, options);
  }

  /** The last layer's output [B, T, C] → image embeddings [B, projection] from token 0 (CLS). */
  pool(tape: Tape, lastHiddenState: Tensor): Tensor {
    const batch = lastHiddenState.shape[0] as number;
    const cls = gatherRows(tape, lastHiddenState, new Array<number>(batch).fill(0));
    const normed = layerNorm(tape, cls, this.postNorm.weight, this.postNorm.bias, this.config.layerNormEps);
    tape.release(cls);
    const imageEmbeds = linear(tape, normed, this.projection);
    tape.release(normed);
    return imageEmbeds;
  }

  forward(tape: Tape, pixels: Tensor, options: LayerOptions = {}): VisionOutput {
    const x = this.embed(tape, pixels);
    const lastHiddenState = this.forwardLayers(tape, x, options);
    if (lastHiddenState !== x) tape.release(x);
    return { imageEmbeds: this.pool(tape, lastHiddenState), lastHiddenState };
  }
}
