/**
 * The learned text contexts of a prompt set as they enter the text tower's token sequence
 * ([SOS][context][class][.][EOT]), with the vocabulary words nearest to each vector (nearest-words.ts).
 *
 * - CoOp: `prompt_learner.ctx` itself, one context shared by every class or one per class (csc).
 * - UPT: `prompt_learner.ctx` only means something after the shared block has mixed it with the visual
 *   prompts and projected it back (upt.ts `unifiedPrompts`); that output is the context the tower reads.
 * - MuDPT: the first depth's text prompts after the Injection Model (mudpt.ts `fusedPrompts`). Deeper rows
 *   replace hidden states between layers, not token embeddings, so no vocabulary describes them.
 * Other methods learn no text context that sits among word embeddings.
 */
import type { ClipModel } from '../clip/clip-model';
import type { ClipTokenizer } from '../clip/tokenizer';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { CONTEXT as COOP_CONTEXT } from '../methods/coop';
import { fusedPrompts, TEXT_PROMPTS } from '../methods/mudpt';
import { unifiedPrompts } from '../methods/upt';
import { nearestTokens } from './nearest-words';
import type { PromptSet } from './prompt-set';

export interface TextContext {
  /** Which context this is: "shared by every class", "of class “circle”". */
  title: string;
  /** Context tokens × text width, row-major. */
  vectors: Float32Array;
  tokens: number;
}

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

/** A [n, C] context, or [K, n, C] with one per class. */
function splitContexts(set: PromptSet, shape: readonly number[], values: Float32Array): TextContext[] {
  if (shape.length === 2)
    return [{ title: 'shared by every class', vectors: values, tokens: shape[0] as number }];
  const [classes, tokens, width] = shape as [number, number, number];
  return Array.from({ length: classes }, (_, k) => ({
    title: `of class “${set.task.classes[k] ?? k}”`,
    vectors: values.slice(k * tokens * width, (k + 1) * tokens * width),
    tokens,
  }));
}

/** The set's tensors on the model's backend, for the methods' own functions to run on. */
async function onEngine<T>(
  set: PromptSet,
  model: ClipModel,
  work: (tape: Tape, tensors: ReadonlyMap<string, Tensor>) => Promise<T>,
): Promise<T> {
  const tape = new Tape(model.backend, false);
  try {
    const tensors = new Map(
      [...set.tensors].map(([name, t]) => [name, tape.track(model.backend.tensor(t.shape, t.data))]),
    );
    return await work(tape, tensors);
  } finally {
    tape.dispose();
  }
}

export async function learnedTextContexts(set: PromptSet, model: ClipModel): Promise<TextContext[]> {
  switch (set.method) {
    case 'coop': {
      const ctx = set.tensors.get(COOP_CONTEXT);
      return ctx ? splitContexts(set, ctx.shape, ctx.data) : [];
    }
    case 'upt': {
      const shape = set.tensors.get(COOP_CONTEXT)?.shape;
      if (!shape) return [];
      const values = await onEngine(set, model, (tape, tensors) => {
        const { textContext } = unifiedPrompts(tape, tensors, shape);
        return model.backend.read(textContext);
      });
      return splitContexts(set, shape, values);
    }
    case 'mudpt': {
      const shape = set.tensors.get(TEXT_PROMPTS)?.shape;
      if (!shape) return [];
      const [, tokens, width] = shape as [number, number, number];
      const values = await onEngine(set, model, (tape, tensors) =>
        model.backend.read(fusedPrompts(tape, tensors).text),
      );
      return [
        {
          title: 'of the first layer, shared by every class',
          vectors: values.slice(0, tokens * width),
          tokens,
        },
      ];
    }
    default:
      return [];
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
