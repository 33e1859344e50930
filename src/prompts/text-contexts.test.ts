import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../clip/clip-weights';
import { cpu } from '../engine/testing/backends';
import type { Hyperparameters, MethodId } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import { modelMissing, testClip } from '../train/testing';
import type { PromptSet } from './prompt-set';
import { contextWords, learnedTextContexts } from './text-contexts';

const CLASSES = ['red', 'green', 'blue'];

/** A freshly initialised method's tensors as a prompt set: what an untrained run would export. */
async function freshSet(method: MethodId, hyperparameters: Hyperparameters): Promise<PromptSet> {
  const { clip, identity } = await testClip(cpu);
  const built = methodDefinition(method).create(
    { model: clip.model, tokenizer: clip.tokenizer, classNames: CLASSES, seed: 1 },
    hyperparameters,
  );
  try {
    const tensors = new Map<string, HostTensor>();
    for (const [name, t] of built.learnables)
      tensors.set(name, { shape: [...t.shape], data: await cpu.read(t) });
    return {
      model: identity,
      method,
      hyperparameters: built.hyperparameters,
      task: { name: 'colours', classes: CLASSES },
      tensors,
      metrics: {
        testAccuracy: null,
        validationAccuracy: null,
        perClassAccuracy: null,
        shots: null,
        seed: null,
        trainableParameters: 0,
        training: null,
      },
      createdAt: '2025-01-01T00:00:00.000Z',
    };
  } finally {
    built.dispose();
  }
}

async function wordsOf(set: PromptSet) {
  const { clip } = await testClip(cpu);
  const table = await cpu.read(clip.model.text.tokenEmbedding);
  const contexts = await learnedTextContexts(set, clip);
  return contextWords(contexts, table, clip.model.config.text.hiddenSize, clip.tokenizer, 2);
}

const nearest = (positions: { word: string; distance: number }[][]) => positions.map((row) => row[0]?.word);

describe.skipIf(modelMissing)('learned text contexts and their nearest words', () => {
  it('reads "a photo of a" back from a CoOp context initialised from those words', async () => {
    const [context, ...rest] = await wordsOf(await freshSet('coop', { n_ctx: 4 }));
    expect(rest).toEqual([]);
    expect(context?.title).toBe('shared by every class');
    expect(nearest(context?.positions ?? [])).toEqual(['a', 'photo', 'of', 'a']);
    for (const row of context?.positions ?? []) {
      expect(row[0]?.distance).toBeLessThan(1e-6);
      expect(row[1]?.distance).toBeGreaterThan(0);
    }
  });

  it('gives one context per class for class-specific CoOp', async () => {
    const words = await wordsOf(await freshSet('coop', { n_ctx: 4, csc: true }));
    expect(words.map((w) => w.title)).toEqual(CLASSES.map((c) => `of class “${c}”`));
    for (const w of words) expect(nearest(w.positions)).toEqual(['a', 'photo', 'of', 'a']);
  });

  it("reads MuDPT's first-layer text prompts after its (still zero) injection", async () => {
    const words = await wordsOf(await freshSet('mudpt', { prompt_depth: 2 }));
    expect(words).toHaveLength(1);
    expect(nearest(words[0]?.positions ?? [])).toEqual(['a', 'photo', 'of', 'a']);
  });

  it("runs UPT's shared block to reach the context the text tower reads", async () => {
    const set = await freshSet('upt', {});
    const { clip } = await testClip(cpu);
    const [context] = await learnedTextContexts(set, clip);
    expect(context?.tokens).toBe(4);
    expect(context?.vectors).toHaveLength(4 * clip.model.config.text.hiddenSize);
    // Not the stored ctx: the block and the projections moved it.
    expect(Array.from(context?.vectors ?? [])).not.toEqual(
      Array.from(set.tensors.get('prompt_learner.ctx')?.data ?? []),
    );
  });

  it('finds no text context in methods that learn none', async () => {
    const { clip } = await testClip(cpu);
    expect(await learnedTextContexts(await freshSet('vpt-shallow', {}), clip)).toEqual([]);
  });
});
