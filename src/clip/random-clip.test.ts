import { describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { expectedParameters } from './clip-weights';
import { parseClipConfig } from './config';
import { randomClipModel, randomClipWeights, VIT_B16_CONFIG } from './random-clip';

describe('a random CLIP', () => {
  it('has ViT-B/16’s dimensions', () => {
    expect(VIT_B16_CONFIG.vision).toMatchObject({
      hiddenSize: 768,
      layers: 12,
      heads: 12,
      patchSize: 16,
      imageSize: 224,
    });
    expect(VIT_B16_CONFIG.text).toMatchObject({ hiddenSize: 512, layers: 12, heads: 8, maxPositions: 77 });
    expect(VIT_B16_CONFIG.projectionDim).toBe(512);
  });

  it('fills every parameter the loader expects and runs both towers', async () => {
    const config = parseClipConfig({
      projection_dim: 8,
      text_config: {
        hidden_size: 8,
        intermediate_size: 16,
        num_attention_heads: 2,
        num_hidden_layers: 1,
        vocab_size: 20,
        max_position_embeddings: 6,
      },
      vision_config: {
        hidden_size: 8,
        intermediate_size: 16,
        num_attention_heads: 2,
        num_hidden_layers: 1,
        image_size: 8,
        patch_size: 4,
      },
    });
    const weights = randomClipWeights(config, 1);
    const expected = [...expectedParameters(config, 'text'), ...expectedParameters(config, 'vision')];
    expect([...weights.keys()].sort()).toEqual(expected.map(([name]) => name).sort());
    for (const [name, shape] of expected) expect(weights.get(name)?.shape, name).toEqual(shape);
    const model = randomClipModel(cpu, config);
    const [image] = await model.encodeImages([new Float32Array(3 * 8 * 8).fill(0.5)]);
    const [text] = await model.encodeText([[1, 2, 3]]);
    expect([...(image as Float32Array), ...(text as Float32Array)].every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});
