/**
 * Image files to RGBA pixels in the browser (window or worker): whatever formats the browser decodes.
 * Pixels are taken as stored: no colour-profile conversion (PIL ignores embedded profiles too).
 */
import type { RgbaImage } from '../preprocess';
import { ImageDecodeError, sniffImageFormat } from './image-decode-error';

export async function decodeImageBlob(blob: Blob, file: string): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    const format = sniffImageFormat(new Uint8Array(await blob.slice(0, 16).arrayBuffer()));
    throw new ImageDecodeError(
      file,
      format ? `corrupt ${format.toUpperCase()} file, or one this browser cannot decode` : 'not an image',
    );
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new ImageDecodeError(file, 'no 2D canvas to read its pixels from');
    // The canvas stores premultiplied alpha, so colour under alpha ~0 is lost; CLIP drops alpha anyway.
    context.drawImage(bitmap, 0, 0);
    const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}
