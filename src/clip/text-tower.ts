import { type ResidualBlockWeights, residualBlockWeightsFrom } from '../engine/nn/residual-attention-block';
import { broadcastAdd } from '../engine/ops/broadcast-add';
import { embedding } from '../engine/ops/embedding';
import { gatherRows } from '../engine/ops/gather-rows';
import { layerNorm } from '../engine/ops/layer-norm';
import { linear } from '../engine/ops/matmul';
import { sliceTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import { shapeString, type Tensor } from '../engine/tensor';
import type { TextConfig } from './config';
import { type LayerOptions, runEncoderLayers } from './encoder-layers';

/** Shortened texts run a multiple of this many tokens. */
const TOKEN_BUCKET = 8;

export interface TextOutput {
  /** [B, projection]: text_projection of the pooled token, not normalised (HF `text_embeds`). */
  textEmbeds: Tensor;
  /** [B, T', C] after final_layer_norm, over the T' ≤ T tokens that were run (see forwardFromEmbeddings). */
  lastHiddenState: Tensor;
}

/**
 * HF's pooling position: argmax of the ids, i.e. the first end-of-text token, since CLIP's end-of-text has
 * the largest id (transformers' legacy rule, which the ONNX exports bake in).
 */
export function endOfTextIndices(ids: readonly (readonly number[])[]): number[] {
  return ids.map((row) => row.reduce((best, id, i) => (id > (row[best] as number) ? i : best), 0));
}

/**
 * CLIP's frozen text encoder (HF CLIPTextTransformer + text_projection) on the engine. A method enters
 * through `forwardFromEmbeddings` (CoOp swaps context embeddings in) or `LayerOptions.beforeLayer` (deep
 * prompts replace tokens between layers; they must not insert any, the pooling positions would move).
 */
export class TextTower {
  readonly tokenEmbedding: Tensor;
  readonly positionEmbedding: Tensor;
  readonly layers: ResidualBlockWeights[];
  private readonly finalNorm: { weight: Tensor; bias: Tensor };
  private readonly projection: Tensor;

  /** `weights` holds the HF-named parameters of `text_model.*` and `text_projection.weight`. */
  constructor(
    readonly config: TextConfig,
    weights: ReadonlyMap<string, Tensor>,
  ) {
    const get = (name: string) => {
      const t = weights.get(name);
      if (!t) throw new Error(`text tower: no weight '${name}'`);
      return t;
    };
    this.tokenEmbedding = get('text_model.embeddings.token_embedding.weight');
    this.positionEmbedding = get('text_model.embeddings.position_embedding.weight');
    this.layers = Array.from({ length: config.layers }, (_, i) =>
      residualBlockWeightsFrom(weights, `text_model.encoder.layers.${i}.`),
    );
    this.finalNorm = {
      weight: get('text_model.final_layer_norm.weight'),
      bias: get('text_model.final_layer_norm.bias'),
    };
    this.projection = get('text_projection.weight');
  }

  /** ids [B][T] → token embeddings [B, T, C], before positions are added. */
  embedTokens(tape: Tape, ids: readonly (readonly number[])[]): Tensor {
    return embedding(tape, this.tokenEmbedding, ids);
  }

  /** Tokenised, padded texts [B][T] → embeddings. */
  forward(tape: Tape, ids: readonly (readonly number[])[], options: LayerOptions = {}): TextOutput {
    const embeddings = this.embedTokens(tape, ids);
    const output = this.forwardFromEmbeddings(tape, embeddings, endOfTextIndices(ids), options);
    tape.release(embeddings);
    return output;
  }

  /**
   * Token embeddings [B, T, C] (looked up, or partly a method's own) → embeddings, pooled at eotIndices[b].
   *
   * Only the first T' ≥ max(eotIndices) + 1 tokens are run: under the causal mask token t attends to tokens
   * ≤ t alone, so later tokens (padding, mostly) cannot change any pooled output. On padded 77-token
   * prompts this skips most of the work. T' is rounded up to a multiple of TOKEN_BUCKET: kernels are compiled
   * per shape, and a handful of lengths keeps batches of varying texts from compiling a set each.
   */
  forwardFromEmbeddings(
    tape: Tape,
    embeddings: Tensor,
    eotIndices: readonly number[],
    options: LayerOptions = {},
  ): TextOutput {
    const [batch, tokens, channels] = embeddings.shape as [number, number, number];
    if (embeddings.shape.length !== 3 || channels !== this.config.hiddenSize || eotIndices.length !== batch) {
      throw new Error(
        `text tower: embeddings ${shapeString(embeddings.shape)} with ${eotIndices.length} pooling positions; expected [B, T, ${this.config.hiddenSize}] and B positions`,
      );
    }
    const limit = Math.min(tokens, this.config.maxPositions);
    if (eotIndices.some((i) => !Number.isInteger(i) || i < 0 || i >= limit)) {
      throw new Error(
        `text tower: pooling positions [${eotIndices.join(', ')}] must lie within the ${limit} tokens`,
      );
    }
    const used = Math.min(limit, Math.ceil((Math.max(...eotIndices) + 1) / TOKEN_BUCKET) * TOKEN_BUCKET);
    const kept = used < tokens ? sliceTokens(tape, embeddings, 0, used) : embeddings;
    const x = broadcastAdd(tape, kept, this.positionEmbedding);
    if (kept !== embeddings) tape.release(kept);
    const { heads, hiddenAct: activation, layerNormEps: eps } = this.config;
    const encoded = runEncoderLayers(tape, x, this.layers, { heads, causal: true, activation, eps }, options);
    if (encoded !== x) tape.release(x);
    const lastHiddenState = layerNorm(tape, encoded, this.finalNorm.weight, this.finalNorm.bias, eps);
    tape.release(encoded);
    const pooled = gatherRows(tape, lastHiddenState, eotIndices);
    const textEmbeds = linear(tape, pooled, this.projection);
    tape.release(pooled);
    return { textEmbeds, lastHiddenState };
  }
}
