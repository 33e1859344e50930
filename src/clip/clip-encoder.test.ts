import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { type ClipEncoder, engineEncoder, ortEncoder } from './clip-encoder';
import { readImageFile } from './decode/node-decode';
import { readModelDir } from './sources/node-dir';
import { EMBEDDING_TOLERANCE, maxAbsDiff, readFixture, TINY_CLIP_DIR, unitRows } from './testing';

const fixture = readFixture('fixtures/embeddings.safetensors');
/** The fixture's captions, in order (fixtures.py CAPTIONS); the last is truncated to the context. */
const CAPTIONS = [
  'a photo of a red circle.',
  'the digit 7 in green',
  'a picture of a blue star at the left',
  'a photo of two small red circles on a striped background',
  "  Hello,   WORLD!! it's X X X X heart.",
  'a photo of four large purple hexagons on a background of diagonal stripes at the centre with ' +
    'many more words than fit into thirty two tokens',
];

// From caption text and PNG files to PyTorch's embeddings: tokenizer, decoder, preprocessing and towers.
describe.each([
  ['onnxruntime-web', () => readModelDir(TINY_CLIP_DIR).then((files) => ortEncoder(files))],
  ['engine (CPU backend)', () => readModelDir(TINY_CLIP_DIR).then((files) => engineEncoder(files, cpu))],
])('ClipEncoder on %s', (_, open) => {
  let encoder: ClipEncoder;
  beforeAll(async () => {
    encoder = await open();
  });
  afterAll(() => encoder.release());

  it('embeds the captions and images like the fixture', async () => {
    const text = await encoder.encodeTexts(CAPTIONS);
    expect([text.rows, text.cols]).toEqual([6, 128]);
    expect(
      maxAbsDiff(unitRows(text.data, 128), unitRows(fixture.read('text_embeds').data, 128)),
    ).toBeLessThan(EMBEDDING_TOLERANCE);
    const images = await Promise.all(
      [0, 1, 2, 3].map((i) => readImageFile(`${TINY_CLIP_DIR}fixtures/images/${i}.png`)),
    );
    const image = await encoder.encodeImages(images);
    expect(
      maxAbsDiff(unitRows(image.data, 128), unitRows(fixture.read('image_embeds').data, 128)),
    ).toBeLessThan(EMBEDDING_TOLERANCE);
    expect(encoder.logitScaleLog).toBeCloseTo(
      readFixture('fixtures/coop_grad.safetensors').read('logit_scale').data[0] as number,
      5,
    );
  });
});
