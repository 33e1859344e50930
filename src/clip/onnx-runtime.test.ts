import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtTowers, type OrtClipTowers } from './onnx-runtime';
import { readModelDir } from './sources/node-dir';
import {
  maxAbsDiff,
  readFixture,
  TINY_CLIP_DIR,
  EMBEDDING_TOLERANCE as TOLERANCE,
  unitRows,
} from './testing';

const fixture = readFixture('fixtures/embeddings.safetensors');

describe('onnxruntime-web towers (Node, wasm)', () => {
  let towers: OrtClipTowers;
  beforeAll(async () => {
    towers = await createOrtTowers(await readModelDir(TINY_CLIP_DIR));
  });
  afterAll(() => towers.release());

  it('runs on wasm in Node', () => {
    expect(towers.provider).toBe('wasm');
  });

  it("gives the fixture's text and image outputs from its ids and pixel values", async () => {
    const ids = fixture.read('input_ids');
    const [batch, length] = ids.shape as [number, number];
    const rows = Array.from({ length: batch }, (_, b) =>
      Array.from(ids.data.subarray(b * length, (b + 1) * length)),
    );
    const text = await towers.runText(rows);
    expect(text.textEmbeds.dims).toEqual([batch, 128]);
    expect(
      maxAbsDiff(unitRows(text.textEmbeds.data, 128), unitRows(fixture.read('text_embeds').data, 128)),
    ).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(text.lastHiddenState.data, fixture.read('text_last_hidden_state').data)).toBeLessThan(
      TOLERANCE,
    );

    const pixels = fixture.read('pixel_values');
    const vision = await towers.runVision(pixels.data as Float32Array, pixels.shape);
    expect(vision.lastHiddenState.dims).toEqual([4, 17, 128]);
    expect(
      maxAbsDiff(unitRows(vision.imageEmbeds.data, 128), unitRows(fixture.read('image_embeds').data, 128)),
    ).toBeLessThan(TOLERANCE);
    expect(
      maxAbsDiff(vision.lastHiddenState.data, fixture.read('image_last_hidden_state').data),
    ).toBeLessThan(TOLERANCE);
  });
});
