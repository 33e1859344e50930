import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from './image-decode-error';
import { decodeImageBytes, readImageFile } from './node-decode';

const pngPath = new URL('../fixtures/preprocess/pad-45x31.png', import.meta.url).pathname;
const png = readFileSync(pngPath);

function decodeError(bytes: Uint8Array, file: string): ImageDecodeError {
  try {
    decodeImageBytes(bytes, file);
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    throw error;
  }
  throw new Error(`${file} decoded`);
}

describe('Node image decoding', () => {
  it('decodes PNG and JPEG to RGBA', async () => {
    const image = await readImageFile(pngPath);
    expect([image.width, image.height, image.data.length]).toEqual([45, 31, 45 * 31 * 4]);
    const encoded = jpeg.encode({ width: 45, height: 31, data: Buffer.from(image.data) }, 95).data;
    const decoded = decodeImageBytes(encoded, 'photo.jpg');
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([45, 31, 45 * 31 * 4]);
  });

  it('rejects corrupt files and non-images, naming the file and the reason', async () => {
    expect(decodeError(png.subarray(0, 300), 'cut.png').message).toMatch(/^cut\.png: corrupt PNG file/);
    const image = decodeImageBytes(png, 'ok.png');
    const encoded = jpeg.encode({ width: 45, height: 31, data: Buffer.from(image.data) }, 95).data;
    expect(decodeError(encoded.subarray(0, 400), 'cut.jpg').message).toMatch(/^cut\.jpg: corrupt JPEG file/);
    expect(decodeError(new TextEncoder().encode('class,label\n'), 'notes.csv').reason).toBe(
      'not a PNG or JPEG image',
    );
    expect(decodeError(new TextEncoder().encode('GIF89a......'), 'anim.gif').reason).toMatch(
      /GIF images are not supported/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'decode-'));
    writeFileSync(join(dir, 'empty.png'), '');
    await expect(readImageFile(join(dir, 'empty.png'))).rejects.toThrow(
      /empty\.png: not a PNG or JPEG image/,
    );
  });
});
