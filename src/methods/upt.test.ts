import { describe, expect, it } from 'vitest';
import { Tape } from '../engine/tape';
import { cpu } from '../engine/testing/backends';
import { learnable } from './learnables';
import { tinyClip } from './testing';
import { TextPrompts } from './text-prompts';
import { unifiedPrompts, upt } from './upt';

const CLASSES = ['circle', 'square', 'triangle'];

describe('UPT', () => {
  it("declares MVLPT's learnables under its names", async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const method = upt.create({ model, tokenizer, classNames: CLASSES, seed: 1 });
    const shapes = Object.fromEntries([...method.learnables].map(([name, t]) => [name, t.shape]));
    method.dispose();
    const block = 'prompt_learner.mvlpt_proj.resblocks.0.';
    expect(shapes).toEqual({
      'prompt_learner.ctx': [4, 128],
      'prompt_learner.vpt_embeddings': [1, 4, 128],
      'prompt_learner.vpt_embeddings_deep': [3, 4, 128],
      'prompt_learner.mvlpt_proj_ctx_coop_pre.weight': [128, 128],
      'prompt_learner.mvlpt_proj_ctx_coop_pre.bias': [128],
      'prompt_learner.mvlpt_proj_ctx_coop_post.weight': [128, 128],
      'prompt_learner.mvlpt_proj_ctx_coop_post.bias': [128],
      'prompt_learner.mvlpt_proj_ctx_vpt_pre.weight': [128, 128],
      'prompt_learner.mvlpt_proj_ctx_vpt_pre.bias': [128],
      'prompt_learner.mvlpt_proj_ctx_vpt_post.weight': [128, 128],
      'prompt_learner.mvlpt_proj_ctx_vpt_post.bias': [128],
      [`${block}ln_1.weight`]: [128],
      [`${block}ln_1.bias`]: [128],
      [`${block}attn.in_proj_weight`]: [384, 128],
      [`${block}attn.in_proj_bias`]: [384],
      [`${block}attn.out_proj.weight`]: [128, 128],
      [`${block}attn.out_proj.bias`]: [128],
      [`${block}ln_2.weight`]: [128],
      [`${block}ln_2.bias`]: [128],
      [`${block}mlp.c_fc.weight`]: [512, 128],
      [`${block}mlp.c_fc.bias`]: [512],
      [`${block}mlp.c_proj.weight`]: [128, 512],
      [`${block}mlp.c_proj.bias`]: [128],
    });
  });

  it('initialises from its seed alone', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const values = async (seed: number) => {
      const method = upt.create({ model, tokenizer, classNames: CLASSES, seed });
      const read = await Promise.all([...method.learnables.values()].map((t) => t.read()));
      method.dispose();
      return read;
    };
    const [first, again, other] = await Promise.all([values(5), values(5), values(6)]);
    expect(again).toEqual(first);
    expect(other[0]).not.toEqual(first[0]);
  });

  it('mixes the modalities: moving one deep visual prompt moves the class text features', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const method = upt.create({ model, tokenizer, classNames: CLASSES, seed: 2 });
    const prompts = TextPrompts.build(model, tokenizer, CLASSES, {
      contextTokens: 4,
      classTokenPosition: 'end',
      classSpecific: false,
    });
    const textFeatures = async () => {
      const tape = new Tape(cpu, false);
      try {
        const { textContext } = unifiedPrompts(tape, method.learnables, prompts.contextShape);
        return await prompts.textFeatures(tape, textContext).read();
      } finally {
        tape.dispose();
      }
    };
    const before = await textFeatures();
    const deep = learnable(method.learnables, 'prompt_learner.vpt_embeddings_deep');
    const moved = await deep.read();
    moved[moved.length - 1] = (moved[moved.length - 1] as number) + 1;
    cpu.write(deep, moved);
    const after = await textFeatures();
    prompts.dispose();
    method.dispose();
    const change = Math.max(...after.map((v, i) => Math.abs(v - (before[i] as number))));
    expect(change).toBeGreaterThan(1e-4);
  });
});
