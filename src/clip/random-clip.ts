/**
 * A CLIP of any dimensions with random weights, built through the same `ClipModel` constructor as a loaded
 * one: for benchmarks and memory checks at real model sizes (ViT-B/16) that nobody wants to download. The
 * weights are scaled like a trained model's (unit-variance activations), so the arithmetic neither
 * overflows nor vanishes, but they mean nothing: time and memory only.
 */
import type { Backend } from '../engine/backend';
import { Random } from '../engine/random';
import { ClipModel } from './clip-model';
import { expectedParameters, type HostTensor } from './clip-weights';
import { type ClipConfig, parseClipConfig } from './config';

/** openai/clip-vit-base-patch16's dimensions (config.json fills the rest with transformers' defaults). */
export const VIT_B16_CONFIG: ClipConfig = parseClipConfig({
  projection_dim: 512,
  text_config: {
    hidden_size: 512,
    intermediate_size: 2048,
    num_attention_heads: 8,
    num_hidden_layers: 12,
    max_position_embeddings: 77,
    vocab_size: 49408,
  },
  vision_config: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_attention_heads: 12,
    num_hidden_layers: 12,
    image_size: 224,
    patch_size: 16,
  },
});

/**
 * Every parameter `expectedParameters` lists for both towers: layer-norm gains 1 and shifts 0, biases 0,
 * token and position embeddings N(0, 0.02) as CLIP initialises them, every matrix
 * N(0, 1/fan-in), the class embedding N(0, 1/width) as CLIP draws it.
 */
export function randomClipWeights(config: ClipConfig, seed: number): Map<string, HostTensor> {
  const random = new Random(seed);
  const weights = new Map<string, HostTensor>();
  for (const tower of ['text', 'vision'] as const) {
    for (const [name, shape] of expectedParameters(config, tower)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const norm = /(norm|layrnorm)[^.]*\.(weight|bias)$/.exec(name);
      let data: Float32Array;
      if (norm) data = new Float32Array(size).fill(norm[2] === 'weight' ? 1 : 0);
      else if (name.endsWith('.bias')) data = new Float32Array(size);
      else if (/(token|position)_embedding/.test(name)) data = random.normals(size, 0.02);
      else if (shape.length === 1) data = random.normals(size, size ** -0.5);
      else data = random.normals(size, (size / (shape[0] as number)) ** -0.5);
      weights.set(name, { shape: [...shape], data });
    }
  }
  return weights;
}

export function randomClipModel(backend: Backend, config: ClipConfig, seed = 0): ClipModel {
  return new ClipModel(backend, config, randomClipWeights(config, seed));
}
