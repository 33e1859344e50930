/**
 * Whether a dropped file is an image this browser decodes, checked in the page before it is stored: a task
 * never holds a file that would fail later, in the worker, in the middle of a run.
 */
import { notAnImage, SNIFF_BYTES, sniffFileKind } from './file-kind';

/** A checked image, its bytes read once into memory so the stored copy no longer depends on the disk. */
export type ImageFileCheck = { ok: true; blob: Blob } | { ok: false; reason: string };

/** What a file that is not an image is, as far as its type or name tells. */
export function notAnImageReason(fileName: string, mimeType: string): string {
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? fileName.slice(dot).toLowerCase() : '';
  return `not an image (${mimeType || extension || 'no type or extension'})`;
}

export async function checkImageFile(file: File): Promise<ImageFileCheck> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const kind = sniffFileKind(bytes.subarray(0, SNIFF_BYTES), bytes.length);
  const named = notAnImage(kind);
  // A type that contradicts the bytes is shown, an image type that does not is not: "… (image/png)" would
  // read as if the file were one.
  if (named)
    return {
      ok: false,
      reason: file.type && !file.type.startsWith('image/') ? `${named} (${file.type})` : named,
    };
  const format = kind.kind === 'image' ? kind.format : null;
  // The sniffer knows the common formats; a type the browser may still decode (AVIF, say) gets a try.
  if (!format && !file.type.startsWith('image/'))
    return { ok: false, reason: notAnImageReason(file.name, file.type) };
  const blob = new Blob([bytes], { type: file.type || `image/${format}` });
  try {
    // The worker decodes with the same call, so what passes here decodes there.
    (await createImageBitmap(blob)).close();
  } catch {
    const why = format
      ? `corrupt ${format.toUpperCase()} data, or a variant this browser does not read`
      : `${file.type} is not a format this browser reads`;
    return { ok: false, reason: `could not be decoded: ${why}` };
  }
  return { ok: true, blob };
}
