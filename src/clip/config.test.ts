import { describe, expect, it } from 'vitest';
import { parseClipConfig } from './config';

describe('parseClipConfig', () => {
  it("fills missing keys with transformers' defaults (ViT-B/32)", () => {
    const config = parseClipConfig('{"model_type": "clip"}');
    expect(config.text).toMatchObject({
      hiddenSize: 512,
      heads: 8,
      layers: 12,
      vocabSize: 49408,
      maxPositions: 77,
    });
    expect(config.vision).toMatchObject({ hiddenSize: 768, imageSize: 224, patchSize: 32, channels: 3 });
    expect(config.projectionDim).toBe(512);
    expect(config.logitScaleLog).toBe(2.6592);
  });

  it('prefers the trained logit_scale, and lets legacy *_config_dict override, ignoring nulls', () => {
    const config = parseClipConfig({
      logit_scale: 4.6,
      logit_scale_init_value: 2.6592,
      text_config: { hidden_size: 256, num_attention_heads: 4, eos_token_id: null },
      text_config_dict: { hidden_size: 128, hidden_act: null },
      vision_config: { hidden_act: 'gelu' },
    });
    expect(config.logitScaleLog).toBe(4.6);
    expect(config.text.hiddenSize).toBe(128);
    expect(config.text.hiddenAct).toBe('quick_gelu');
    expect(config.vision.hiddenAct).toBe('gelu');
  });

  it.each([
    ['not json', 'config.json: not valid JSON'],
    ['[]', 'config.json: not a JSON object'],
    ['{"model_type": "siglip"}', 'config.json: model_type "siglip" is not a CLIP ("clip")'],
    [
      '{"vision_config": {"hidden_size": 100}}',
      'config.json: vision_config.hidden_size 100 is not divisible by num_attention_heads 12',
    ],
    [
      '{"text_config": {"hidden_act": "gelu_new"}}',
      'config.json: text_config.hidden_act "gelu_new" is not supported (quick_gelu or gelu)',
    ],
    [
      '{"text_config": {"num_hidden_layers": 2.5}}',
      'config.json: text_config.num_hidden_layers must be a positive integer, got 2.5',
    ],
    [
      '{"vision_config": {"image_size": 100}}',
      'config.json: vision_config.image_size 100 is not a multiple of patch_size 32',
    ],
  ])('refuses %s', (source, message) => {
    expect(() => parseClipConfig(source)).toThrow(message);
  });
});
