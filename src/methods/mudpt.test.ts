import { describe, expect, it } from 'vitest';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { cpu } from '../engine/testing/backends';
import { checkMethodGradients } from './check/method-gradients';
import { learnable } from './learnables';
import { fusedPrompts, mudpt, TEXT_PROMPTS, VISUAL_PROMPTS } from './mudpt';
import { methodFixture, tinyClip } from './testing';
import { initialContext } from './text-prompts';

const CLASSES = ['circle', 'square', 'triangle'];

async function fused(learnables: ReadonlyMap<string, Tensor>) {
  const tape = new Tape(cpu, false);
  try {
    const { text, visual } = fusedPrompts(tape, learnables);
    return { text: await text.read(), visual: await visual.read() };
  } finally {
    tape.dispose();
  }
}

describe('MuDPT', () => {
  it('keeps every gradient with the classes split over checkpointed text passes (deep prompts inside)', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const fixture = methodFixture('mudpt');
    const split = { ...fixture, hyperparameters: { ...fixture.hyperparameters, classes_per_pass: 3 } };
    const report = await checkMethodGradients(
      split,
      model,
      tokenizer,
      'mudpt.safetensors, 3 classes per pass',
    );
    expect(report.passed).toBe(true);
  });

  it('declares deep prompts for every layer (depth clamped to the towers) and the Injection Model', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const method = mudpt.create({ model, tokenizer, classNames: CLASSES, seed: 1 });
    const shapes = Object.fromEntries([...method.learnables].map(([name, t]) => [name, t.shape]));
    method.dispose();
    const injection = 'prompt_learner.injection.';
    const direction = (name: string) => ({
      [`${injection}${name}.q_proj.weight`]: [128, 128],
      [`${injection}${name}.k_proj.weight`]: [128, 128],
      [`${injection}${name}.v_proj.weight`]: [128, 128],
      [`${injection}${name}.out_proj.weight`]: [128, 128],
      [`${injection}${name}.out_proj.bias`]: [128],
    });
    expect(shapes).toEqual({
      [TEXT_PROMPTS]: [4, 4, 128],
      [VISUAL_PROMPTS]: [4, 4, 128],
      [`${injection}text_norm.weight`]: [128],
      [`${injection}text_norm.bias`]: [128],
      [`${injection}visual_norm.weight`]: [128],
      [`${injection}visual_norm.bias`]: [128],
      ...direction('visual_to_text'),
      ...direction('text_to_visual'),
    });
    const shallow = mudpt.create({ model, tokenizer, classNames: CLASSES, seed: 1 }, { prompt_depth: 2 });
    expect(learnable(shallow.learnables, TEXT_PROMPTS).shape).toEqual([2, 4, 128]);
    shallow.dispose();
  });

  it('starts from "a photo of a", its seed alone, and an Injection Model that changes nothing yet', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const values = async (seed: number) => {
      const method = mudpt.create({ model, tokenizer, classNames: CLASSES, seed });
      const read = await Promise.all([...method.learnables.values()].map((t) => t.read()));
      const injected = await fused(method.learnables);
      method.dispose();
      return { read, injected };
    };
    const [first, again, other] = await Promise.all([values(5), values(5), values(6)]);
    expect(again.read).toEqual(first.read);
    expect(other.read[1]).not.toEqual(first.read[1]);

    const words = initialContext(model, tokenizer, [4, 128], 0);
    const [text, visual] = first.read as [Float32Array, Float32Array];
    expect(text.slice(0, 4 * 128)).toEqual(await words.read());
    words.free();
    expect(first.injected.text).toEqual(text);
    expect(first.injected.visual).toEqual(visual);
  });

  it('fuses across modalities depth by depth: a visual prompt moves the text prompts of its own depth only', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const method = mudpt.create({ model, tokenizer, classNames: CLASSES, seed: 2 });
    const outProjection = learnable(
      method.learnables,
      'prompt_learner.injection.visual_to_text.out_proj.weight',
    );
    cpu.write(
      outProjection,
      Float32Array.from({ length: outProjection.size }, (_, i) => Math.sin(i) * 0.05),
    );
    const before = await fused(method.learnables);
    const visual = learnable(method.learnables, VISUAL_PROMPTS);
    const moved = await visual.read();
    const depth = 2;
    const perDepth = 4 * 128;
    moved[depth * perDepth + 5] = (moved[depth * perDepth + 5] as number) + 1;
    cpu.write(visual, moved);
    const after = await fused(method.learnables);
    method.dispose();
    const changeAt = (j: number) =>
      Math.max(
        ...after.text
          .slice(j * perDepth, (j + 1) * perDepth)
          .map((v, i) => Math.abs(v - (before.text[j * perDepth + i] as number))),
      );
    expect(changeAt(depth)).toBeGreaterThan(1e-4);
    for (const j of [0, 1, 3]) expect(changeAt(j)).toBe(0);
  });
});
