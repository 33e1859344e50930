import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { notAnImage, sniffFileKind } from './file-kind';

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => new TextEncoder().encode(s);
const kindOf = (head: Uint8Array) => sniffFileKind(head, head.length);

describe('sniffFileKind', () => {
  it('finds a 0-byte file empty, whatever its name says', () => {
    expect(sniffFileKind(new Uint8Array(0), 0)).toEqual({ kind: 'empty' });
  });

  it('reads each image format from its magic number', () => {
    const png = new PNG({ width: 1, height: 1 });
    expect(kindOf(PNG.sync.write(png))).toEqual({ kind: 'image', format: 'png' });
    expect(kindOf(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toEqual({ kind: 'image', format: 'jpeg' });
    expect(kindOf(text('GIF89a\x01\x00'))).toEqual({ kind: 'image', format: 'gif' });
    expect(kindOf(text('RIFF\x24\x00\x00\x00WEBPVP8 '))).toEqual({ kind: 'image', format: 'webp' });
    expect(kindOf(text('BM6\x00\x00\x00'))).toEqual({ kind: 'image', format: 'bmp' });
  });

  it('tells text (ASCII and UTF-8) from binary data', () => {
    expect(kindOf(text('a cat, probably\n'))).toEqual({ kind: 'text' });
    expect(kindOf(text('{"format": "prompt-studio.prompts"}'))).toEqual({ kind: 'text' });
    expect(kindOf(text('chat noir, café\tété\r\n'))).toEqual({ kind: 'text' });
    // A multi-byte character cut by the sample's end is still text.
    expect(kindOf(text('été').subarray(0, 4))).toEqual({ kind: 'text' });
    expect(kindOf(bytes(0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31))).toEqual({ kind: 'unknown' });
    expect(kindOf(bytes(0x61, 0xc3, 0x28))).toEqual({ kind: 'unknown' });
    expect(kindOf(deflateSync(Buffer.alloc(64, 7)))).toEqual({ kind: 'unknown' });
  });

  it('names documents and archives that are not images', () => {
    expect(kindOf(text('%PDF-1.7\n'))).toEqual({ kind: 'document', name: 'a PDF document' });
    expect(kindOf(bytes(0x50, 0x4b, 0x03, 0x04, 0x14))).toEqual({ kind: 'document', name: 'a ZIP archive' });
    expect(kindOf(bytes(0x1f, 0x8b, 0x08))).toEqual({ kind: 'document', name: 'a gzip archive' });
  });
});

describe('notAnImage', () => {
  it('says what the file is instead, and nothing for an image or an unknown kind', () => {
    expect(notAnImage({ kind: 'empty' })).toBe('empty (0 bytes), not an image');
    expect(notAnImage({ kind: 'text' })).toBe('a text file, not an image');
    expect(notAnImage({ kind: 'document', name: 'a PDF document' })).toBe('a PDF document, not an image');
    expect(notAnImage({ kind: 'image', format: 'png' })).toBeNull();
    expect(notAnImage({ kind: 'unknown' })).toBeNull();
  });
});
