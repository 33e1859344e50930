import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { checkClipParity, PARITY_FIXTURE } from './parity';
import { readModelDir } from './sources/node-dir';
import { TINY_CLIP_DIR } from './testing';

describe('clip parity check', () => {
  it('the embedded model on the CPU engine and onnxruntime agrees with PyTorch', async () => {
    const files = await readModelDir(TINY_CLIP_DIR);
    const report = await checkClipParity(files, readFileSync(`${TINY_CLIP_DIR}${PARITY_FIXTURE}`), cpu);
    expect(report.pairs.map((p) => p.id)).toEqual([
      'engine-pytorch',
      'onnxruntime-pytorch',
      'engine-onnxruntime',
    ]);
    for (const pair of report.pairs) {
      expect(pair.text).toBeLessThanOrEqual(report.tolerance);
      expect(pair.image).toBeLessThanOrEqual(report.tolerance);
    }
    expect(report).toMatchObject({
      passed: true,
      texts: 6,
      images: 4,
      onnxruntime: 'onnxruntime-web (wasm)',
    });
  });

  it('refuses a fixture made for another model', async () => {
    const files = await readModelDir(TINY_CLIP_DIR);
    const config = JSON.parse(files.config);
    config.projection_dim = 64;
    const other = { ...files, config: JSON.stringify(config), source: 'another model' };
    const fixture = readFileSync(`${TINY_CLIP_DIR}${PARITY_FIXTURE}`);
    await expect(checkClipParity(other, fixture, cpu)).rejects.toThrow(
      /text_embeds is \[6, 128\], but another model needs \[6, 64\]/,
    );
  });
});
