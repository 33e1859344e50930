import { describe, expect, it } from 'vitest';
import { notAnImageReason } from './image-file-check';

describe('notAnImageReason', () => {
  it('names the MIME type, else the extension', () => {
    expect(notAnImageReason('notes.txt', 'text/plain')).toBe('not an image (text/plain)');
    expect(notAnImageReason('data.weird', '')).toBe('not an image (.weird)');
    expect(notAnImageReason('README', '')).toBe('not an image (no type or extension)');
    expect(notAnImageReason('.profile', '')).toBe('not an image (no type or extension)');
  });
});
