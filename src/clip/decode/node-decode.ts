/**
 * Image files to RGBA pixels in Node: PNG through pngjs, JPEG through jpeg-js. 8-bit PNGs decode exactly as
 * PIL decodes them (16-bit ones are rounded to 8 bits where PIL truncates: a level at most); JPEG decoders
 * differ from libjpeg (PIL's) by a level or two on some pixels, as browsers' do.
 */
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../preprocess';
import { ImageDecodeError, sniffImageFormat } from './image-decode-error';

/** Decodes the bytes of a PNG or JPEG file; `file` names it in errors. */
export function decodeImageBytes(bytes: Uint8Array, file: string): RgbaImage {
  const format = sniffImageFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') {
    throw new ImageDecodeError(
      file,
      format
        ? `${format.toUpperCase()} images are not supported here (PNG and JPEG are)`
        : 'not a PNG or JPEG image',
    );
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    // Tolerant decoding would hand back a half-grey image for a truncated file without a word.
    const image = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
    return { width: image.width, height: image.height, data: image.data };
  } catch (error) {
    throw new ImageDecodeError(file, `corrupt ${format.toUpperCase()} file (${(error as Error).message})`);
  }
}

export async function readImageFile(path: string): Promise<RgbaImage> {
  return decodeImageBytes(await readFile(path), path);
}
