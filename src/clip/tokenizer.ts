/**
 * CLIP's text input: `tokenizer.json` (+ `tokenizer_config.json`) through @huggingface/tokenizers, then
 * `<|startoftext|> … <|endoftext|>`, truncated and padded to the model's context length.
 */
import { Tokenizer } from '@huggingface/tokenizers';

/** Token ids of a batch of texts, and where each text's pooled (end-of-text) token is. */
export interface TokenizedBatch {
  /** [B][contextLength]: start, content, end, then the pad token. */
  ids: number[][];
  /** Per text, the position of its first end-of-text token: the text tower's pooled output. */
  eotIndices: number[];
}

/** Names of the special tokens when tokenizer_config.json does not give them: OpenAI's. */
const DEFAULT_BOS = '<|startoftext|>';
const DEFAULT_EOS = '<|endoftext|>';

export class ClipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly bosId: number,
    readonly eosId: number,
    readonly padId: number,
  ) {}

  /** From the texts of tokenizer.json and (optionally) tokenizer_config.json; throws naming what is wrong. */
  static fromJson(tokenizerJson: string, tokenizerConfigJson?: string): ClipTokenizer {
    const tokenizerSpec = parseObject(tokenizerJson, 'tokenizer.json');
    const config =
      tokenizerConfigJson === undefined ? {} : parseObject(tokenizerConfigJson, 'tokenizer_config.json');
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerSpec, config);
    } catch (error) {
      throw new Error(`tokenizer.json: ${(error as Error).message}`);
    }
    const idOf = (key: string, fallback: string) => {
      const token = tokenName(config[key]) ?? fallback;
      const id = tokenizer.token_to_id(token);
      if (id === undefined)
        throw new Error(`tokenizer.json: ${key} ${JSON.stringify(token)} is not in the vocabulary`);
      return id;
    };
    const eos = idOf('eos_token', DEFAULT_EOS);
    // OpenAI pads with <|endoftext|>; some exports (open_clip's) pad with "!" (id 0): the config says which.
    const pad = tokenName(config.pad_token) === undefined ? eos : idOf('pad_token', DEFAULT_EOS);
    return new ClipTokenizer(tokenizer, idOf('bos_token', DEFAULT_BOS), eos, pad);
  }

  /** Content tokens of `text` (no start or end token), untruncated: whether it fits a context. */
  tokenCount(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  }

  /**
   * Tokenises each text to exactly `contextLength` ids. Long texts lose their last content tokens, never the
   * end-of-text token (HF's truncation=True and OpenAI's clip.tokenize(truncate=True) agree on this).
   */
  encode(texts: readonly string[], contextLength: number): TokenizedBatch {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(
        `tokenizer: context length ${contextLength} leaves no room for the start and end tokens`,
      );
    }
    const ids = texts.map((text) => {
      const content = this.tokenizer
        .encode(text, { add_special_tokens: false })
        .ids.slice(0, contextLength - 2);
      const row = [this.bosId, ...content, this.eosId];
      while (row.length < contextLength) row.push(this.padId);
      return row;
    });
    // The pooling index. Hugging Face's CLIPTextTransformer pools at the first position holding eos_token_id,
    // except for legacy configs saying eos_token_id = 2 (openai/clip-vit-base-patch32's), where it takes
    // input_ids.argmax(-1) as OpenAI's code does; ONNX exports bake in whichever their config selected. The
    // first end-of-text is what argmax finds whenever end-of-text is the largest id the tokenizer emits
    // (49407 in OpenAI's vocabulary, 730 in the embedded model's), so every real CLIP agrees on it; unlike
    // argmax it stays right for a tokenizer whose end-of-text is not its largest id.
    return { ids, eotIndices: ids.map((row) => row.indexOf(this.eosId)) };
  }

  /**
   * One vocabulary entry as text: "photo", not BPE's "photo</w>". A token holding part of a multi-byte
   * character decodes to nothing readable alone, so it is shown as the vocabulary stores it (its byte as
   * the byte-level alphabet writes it), less the end-of-word mark.
   */
  tokenText(id: number): string {
    const decoded = this.tokenizer.decode([id]).trim();
    if (decoded && !decoded.includes('\uFFFD')) return decoded;
    return this.tokenizer.id_to_token(id)?.replace(/<\/w>$/, '') ?? `#${id}`;
  }
}

/** Special tokens are written as strings or as AddedToken objects ({content: "..."}). */
function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string'
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

function parseObject(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${file}: not a JSON object`);
  return value as Record<string, unknown>;
}
