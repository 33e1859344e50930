import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFixture, TINY_CLIP_DIR } from './testing';
import { ClipTokenizer } from './tokenizer';

const tokenizerJson = readFileSync(`${TINY_CLIP_DIR}tokenizer.json`, 'utf8');
const tokenizerConfigJson = readFileSync(`${TINY_CLIP_DIR}tokenizer_config.json`, 'utf8');
const tokenizer = ClipTokenizer.fromJson(tokenizerJson, tokenizerConfigJson);
/** Texts with the unpadded ids the Python BPE gave them; the first six are the fixture's captions. */
const cases: { text: string; input_ids: number[] }[] = JSON.parse(
  readFileSync(`${TINY_CLIP_DIR}fixtures/tokenizer_cases.json`, 'utf8'),
);
const CONTEXT = 32;

describe('ClipTokenizer', () => {
  it('takes the special tokens from tokenizer_config.json', () => {
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]).toEqual([729, 730, 730]);
  });

  it("gives the fixture's padded input_ids, including the truncated caption", () => {
    const expected = readFixture('fixtures/embeddings.safetensors').read('input_ids');
    const texts = cases.slice(0, expected.shape[0]).map((c) => c.text);
    const { ids, eotIndices } = tokenizer.encode(texts, CONTEXT);
    expect(ids.flat()).toEqual(Array.from(expected.data));
    // HF pools at argmax(input_ids) for this model: end-of-text is its largest id.
    expect(eotIndices).toEqual(ids.map((row) => row.indexOf(Math.max(...row))));
  });

  it('agrees with the Python BPE on every recorded text', () => {
    const fits = cases.filter((c) => c.input_ids.length <= CONTEXT);
    const { ids, eotIndices } = tokenizer.encode(
      fits.map((c) => c.text),
      CONTEXT,
    );
    fits.forEach((c, i) => {
      const padding = new Array(CONTEXT - c.input_ids.length).fill(tokenizer.padId);
      expect(ids[i], c.text).toEqual([...c.input_ids, ...padding]);
      expect(eotIndices[i]).toBe(c.input_ids.length - 1);
    });
  });

  it('truncates long texts to start + content + end, keeping the end-of-text token', () => {
    const long = 'a photo of a red circle and a blue star '.repeat(10);
    const full = tokenizer.encode([long], 200).ids[0] as number[];
    const { ids, eotIndices } = tokenizer.encode([long, 'red'], 12);
    expect(ids[0]).toEqual([...full.slice(0, 11), tokenizer.eosId]);
    expect(eotIndices).toEqual([11, 2]);
    expect(ids[1]?.length).toBe(12);
  });

  it("pools at the first end-of-text even when padding is another token (open_clip's '!')", () => {
    const padBang = ClipTokenizer.fromJson(tokenizerJson, JSON.stringify({ pad_token: { content: '!' } }));
    expect(padBang.padId).not.toBe(padBang.eosId);
    const { ids, eotIndices } = padBang.encode(['a red star'], 8);
    expect(ids[0]?.slice(-3)).toEqual([padBang.padId, padBang.padId, padBang.padId]);
    expect(eotIndices[0]).toBe(4);
  });

  it('shows vocabulary entries as words, and a lone byte as the vocabulary stores it', () => {
    const ids = tokenizer.encode(['a photo of a'], 8).ids[0] as number[];
    expect(ids.slice(1, 5).map((id) => tokenizer.tokenText(id))).toEqual(['a', 'photo', 'of', 'a']);
    expect(tokenizer.tokenText(tokenizer.eosId)).toBe('<|endoftext|>');
    expect(tokenizer.tokenText(100)).toBe('§');
    expect(tokenizer.tokenText(436)).toBe('ø'); // "ø</w>": a lone byte that ends a word
  });

  it('names what is wrong with a bad tokenizer', () => {
    expect(() => ClipTokenizer.fromJson('{')).toThrow(/tokenizer.json: not valid JSON/);
    expect(() => ClipTokenizer.fromJson(tokenizerJson, '{"bos_token": "<s>"}')).toThrow(/bos_token "<s>"/);
    expect(() => tokenizer.encode(['x'], 1)).toThrow(/context length 1/);
  });
});
