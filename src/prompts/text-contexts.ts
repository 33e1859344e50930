/**
 * The learned text contexts of a prompt set as they enter the text tower's token sequence
 * ([SOS][context][class][.][EOT]), with the vocabulary words nearest to each vector (nearest-words.ts).
 * Each method says what its contexts are (PromptMethod.textContexts: CoOp's is its `prompt_learner.ctx`,
 * UPT's the context after its shared block, MuDPT's the first depth after its Injection Model); methods
 * that learn no text context among the word embeddings have none.
 */
import type { ClipTokenizer } from '../clip/tokenizer';
import { Tape } from '../engine/tape';
import type { TextContext } from '../methods/method';
import type { FrozenClip } from '../train/frozen-clip';
import { nearestTokens } from './nearest-words';
import type { PromptSet } from './prompt-set';
import { promptSetMethod } from './prompt-set-method';

export interface NearestWord {
  id: number;
  word: string;
  distance: number;
}

export interface ContextWords {
  title: string;
  /** Per context position (left to right), its nearest words, nearest first. */
  positions: NearestWord[][];
}

export async function learnedTextContexts(set: PromptSet, clip: FrozenClip): Promise<TextContext[]> {
  const method = promptSetMethod(set, clip);
  const tape = new Tape(clip.model.backend, false);
  try {
    return (await method.textContexts?.(tape)) ?? [];
  } finally {
    tape.dispose();
    method.dispose();
  }
}

/** Each context's k nearest vocabulary words; `tokenTable` is the text tower's token embeddings, on the host. */
export function contextWords(
  contexts: readonly TextContext[],
  tokenTable: Float32Array,
  width: number,
  tokenizer: ClipTokenizer,
  k: number,
): ContextWords[] {
  return contexts.map(({ title, vectors }) => ({
    title,
    positions: nearestTokens(tokenTable, width, vectors, k).map((row) =>
      row.map(({ id, distance }) => ({ id, word: tokenizer.tokenText(id), distance })),
    ),
  }));
}
