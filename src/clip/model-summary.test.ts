import { describe, expect, it } from 'vitest';
import { parseClipConfig } from './config';
import { summarizeModel } from './model-summary';

describe('model summary', () => {
  it("counts ViT-B/32's parameters as transformers does (151,277,313)", () => {
    const summary = summarizeModel('Xenova/clip-vit-base-patch32', parseClipConfig('{}'), 0);
    expect(summary.parameters).toBe(151_277_313);
    expect(summary.vision).toMatchObject({ width: 768, patchSize: 32, imageSize: 224, tokens: 50 });
    expect(summary.text).toMatchObject({ width: 512, contextLength: 77, vocabSize: 49408 });
  });
});
