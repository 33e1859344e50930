/**
 * What a file is, read from its first bytes rather than its name or type: a 0-byte `x.png` or a text file
 * renamed `.png` is then told apart from an image the browser cannot decode, and the message says which.
 */
import { sniffImageFormat } from '../clip/decode/image-decode-error';

/** Bytes a sniff needs: the longest magic number here is 12 bytes; text is judged on a longer sample. */
export const SNIFF_BYTES = 512;

export type FileKind =
  | { kind: 'empty' }
  | { kind: 'image'; format: NonNullable<ReturnType<typeof sniffImageFormat>> }
  | { kind: 'text' }
  /** A known format that is not an image: a PDF, an archive… */
  | { kind: 'document'; name: string }
  | { kind: 'unknown' };

const DOCUMENTS: { name: string; magic: readonly number[] }[] = [
  { name: 'a PDF document', magic: [0x25, 0x50, 0x44, 0x46] },
  { name: 'a ZIP archive', magic: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'a gzip archive', magic: [0x1f, 0x8b] },
];

/** Control characters besides tab, line feed, form feed and carriage return mark a file as binary. */
const isBinaryByte = (byte: number) =>
  byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d;

function looksLikeText(head: Uint8Array): boolean {
  if (head.some(isBinaryByte)) return false;
  try {
    // `stream` lets a multi-byte character cut at the sample's end pass; fatal refuses anything else.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The kind of a file of `size` bytes whose first bytes (up to SNIFF_BYTES) are `head`. */
export function sniffFileKind(head: Uint8Array, size: number): FileKind {
  if (size === 0) return { kind: 'empty' };
  const format = sniffImageFormat(head);
  if (format) return { kind: 'image', format };
  const document = DOCUMENTS.find(({ magic }) => magic.every((b, i) => head[i] === b));
  if (document) return { kind: 'document', name: document.name };
  return looksLikeText(head) ? { kind: 'text' } : { kind: 'unknown' };
}

/** Why a file of this kind is no image, in words after its name ("x.png: …"); null for an image or unknown. */
export function notAnImage(kind: FileKind): string | null {
  switch (kind.kind) {
    case 'empty':
      return 'empty (0 bytes), not an image';
    case 'text':
      return 'a text file, not an image';
    case 'document':
      return `${kind.name}, not an image`;
    case 'image':
    case 'unknown':
      return null;
  }
}
