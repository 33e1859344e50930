import {
  type ResidualBlockOptions,
  type ResidualBlockWeights,
  residualAttentionBlock,
} from '../engine/nn/residual-attention-block';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';

/** How a prompt-tuning method reaches into a tower's transformer layers. */
export interface LayerOptions {
  /**
   * Called with the input of layer `index` (0-based) before it runs; what it returns runs instead. VPT-deep
   * swaps the previous layer's prompt outputs for its own prompts here, deep text prompts likewise. The
   * returned tensor is released once the layer has read it (unless a backward needs it): return a fresh one.
   */
  beforeLayer?(index: number, x: Tensor): Tensor;
  /** Recompute each block's activations during backward instead of keeping them (training memory). */
  checkpoint?: boolean;
}

/**
 * x [B, T, C] through CLIP's pre-LN residual blocks in order. Each layer's input is released once the next
 * exists: `release` frees only what no backward reads and never the caller's x.
 */
export function runEncoderLayers(
  tape: Tape,
  x: Tensor,
  layers: readonly ResidualBlockWeights[],
  block: Omit<ResidualBlockOptions, 'checkpoint'>,
  options: LayerOptions = {},
): Tensor {
  let h = x;
  layers.forEach((weights, index) => {
    const input = options.beforeLayer ? options.beforeLayer(index, h) : h;
    if (input !== h && h !== x) tape.release(h);
    h = residualAttentionBlock(tape, input, weights, { ...block, checkpoint: options.checkpoint ?? false });
    if (input !== x) tape.release(input);
  });
  return h;
}
