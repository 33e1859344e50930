import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classPrompts, classTextFeatures, zeroShotLogits } from '../clip/zero-shot';
import { Tape } from '../engine/tape';
import { cpu, testGpuBackend } from '../engine/testing/backends';
import { checkMethodGradients } from './check/method-gradients';
import type { Hyperparameters, MethodId } from './method';
import { methodDefinition } from './registry';
import { methodFixture, tinyClip } from './testing';
import { CONTEXT_INIT_WORDS } from './text-prompts';

const FIXTURES = readdirSync(new URL('../../fixtures/methods/', import.meta.url))
  .filter((name) => name.endsWith('.safetensors'))
  .map((name) => name.replace(/\.safetensors$/, ''))
  .sort();
const CLASSES = ['horizontal stripes', 'vertical stripes', 'diagonal stripes', 'no stripes'];
/** SwiftShader compiles every new pipeline and runs the towers at a few hundred MFLOP/s on a busy machine. */
const GPU_TIMEOUT = 300_000;

/** A method's learnables right after `create`, read back. */
async function initialLearnables(
  id: MethodId,
  hyperparameters: Hyperparameters,
  seed: number,
): Promise<Map<string, { shape: readonly number[]; values: Float32Array }>> {
  const { model, tokenizer } = await tinyClip(cpu);
  const method = methodDefinition(id).create(
    { model, tokenizer, classNames: CLASSES, seed },
    hyperparameters,
  );
  const out = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  for (const [name, t] of method.learnables) out.set(name, { shape: t.shape, values: await t.read() });
  method.dispose();
  return out;
}

describe.each([
  ['webgpu', testGpuBackend, GPU_TIMEOUT],
  ['cpu', async () => cpu, 60_000],
] as const)('method gradients vs PyTorch on %s', (_, backend, timeout) => {
  it.each(FIXTURES)(
    '%s',
    async (name) => {
      const { model, tokenizer } = await tinyClip(await backend());
      const report = await checkMethodGradients(methodFixture(name), model, tokenizer, name);
      expect(report.mismatches).toEqual([]);
      expect(report.strayGradients).toBe(0);
      expect(report.gradients.length).toBeGreaterThan(0);
      for (const g of report.gradients) expect(g.error, g.name).toBeLessThan(1e-3);
      expect(report.logitsError).toBeLessThan(1e-3);
      expect(report.lossError).toBeLessThan(1e-3);
      expect(report.passed).toBe(true);
    },
    timeout,
  );
});

describe('methods', () => {
  it('zero-shot logits equal the host-side zero-shot of src/clip on the same embeddings', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const rows = (vectors: readonly Float32Array[]) => ({
      data: Float32Array.from(vectors.flatMap((v) => [...v])),
      rows: vectors.length,
      cols: vectors[0]?.length ?? 0,
    });
    const width = model.config.projectionDim;
    const imageEmbeds = rows(
      [0, 1, 2].map((i) => Float32Array.from({ length: width }, (_, c) => Math.sin(7 * i + c))),
    );
    // One template, then CLIP's ensemble over two.
    for (const templates of [['a photo of a {}.'], ['a photo of a {}.', 'a picture of the {}.']]) {
      const { ids } = tokenizer.encode(classPrompts(CLASSES, templates), model.config.text.maxPositions);
      const classFeatures = classTextFeatures(rows(await model.encodeText(ids)), templates.length);
      const expected = zeroShotLogits(imageEmbeds, classFeatures, model.config.logitScaleLog);
      const method = methodDefinition('zero-shot').create(
        { model, tokenizer, classNames: CLASSES, seed: 0 },
        { templates: templates.join('\n') },
      );
      const tape = new Tape(cpu, false);
      const images = tape.track(cpu.tensor([imageEmbeds.rows, width], imageEmbeds.data));
      const logits = await method.classifier(tape).logits(tape, images).read();
      expect(logits.length).toBe(expected.data.length);
      logits.forEach((v, i) => {
        expect(v).toBeCloseTo(expected.data[i] as number, 4);
      });
      tape.dispose();
      method.dispose();
    }
  });

  it("declares each method's learnables under the reference names and shapes", async () => {
    const { config } = (await tinyClip(cpu)).model;
    const shapes = async (id: MethodId, hyperparameters: Hyperparameters = {}) =>
      Object.fromEntries(
        [...(await initialLearnables(id, hyperparameters, 1))].map(([n, v]) => [n, v.shape]),
      );
    const k = CLASSES.length;
    const text = config.text.hiddenSize;
    const vision = config.vision.hiddenSize;
    expect(await shapes('zero-shot')).toEqual({});
    expect(await shapes('linear-probe')).toEqual({
      'head.weight': [k, config.projectionDim],
      'head.bias': [k],
    });
    expect(await shapes('coop')).toEqual({ 'prompt_learner.ctx': [16, text] });
    expect(await shapes('coop', { n_ctx: 16, csc: true })).toEqual({ 'prompt_learner.ctx': [k, 16, text] });
    expect(await shapes('vpt-shallow')).toEqual({ vpt_embeddings: [1, 16, vision] });
    expect(await shapes('vpt-deep', { n_ctx: 5 })).toEqual({
      vpt_embeddings: [1, 5, vision],
      vpt_embeddings_deep: [config.vision.layers - 1, 5, vision],
    });
  });

  it("initialises deterministically from the seed, at the references' scales", async () => {
    const cases: [MethodId, Hyperparameters][] = [
      ['coop', {}],
      ['coop', { n_ctx: 3, csc: true }],
      ['vpt-shallow', {}],
      ['vpt-deep', { n_ctx: 5 }],
    ];
    for (const [id, hyperparameters] of cases) {
      const first = await initialLearnables(id, hyperparameters, 3);
      const again = await initialLearnables(id, hyperparameters, 3);
      const other = await initialLearnables(id, hyperparameters, 4);
      for (const [name, { values }] of first) {
        expect(again.get(name)?.values, `${id} ${name}`).toEqual(values);
        expect(other.get(name)?.values, `${id} ${name}`).not.toEqual(values);
      }
    }
    // CoOp's random context is N(0, 0.02); VPT's prompts uniform within the patch projection's Xavier bound.
    const ctx = (await initialLearnables('coop', { n_ctx: 16 }, 3)).get('prompt_learner.ctx')?.values;
    const std = Math.sqrt(
      (ctx as Float32Array).reduce((s, v) => s + v * v, 0) / (ctx as Float32Array).length,
    );
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    const { model, tokenizer } = await tinyClip(cpu);
    const { patchSize, channels, hiddenSize } = model.config.vision;
    const bound = Math.sqrt(6 / (channels * patchSize * patchSize + hiddenSize));
    const prompts = (await initialLearnables('vpt-deep', {}, 3)).get('vpt_embeddings_deep')?.values;
    const largest = Math.max(...(prompts as Float32Array).map(Math.abs));
    expect(largest).toBeLessThanOrEqual(bound);
    expect(largest).toBeGreaterThan(0.95 * bound);
    // The linear probe starts at zero; CoOp's 4 context tokens as the embeddings of "a photo of a".
    for (const { values } of (await initialLearnables('linear-probe', {}, 3)).values()) {
      expect(values.every((v) => v === 0)).toBe(true);
    }
    const words = tokenizer.encode([CONTEXT_INIT_WORDS], model.config.text.maxPositions).ids[0] as number[];
    const table = await model.text.tokenEmbedding.read();
    const width = model.config.text.hiddenSize;
    const expected = words.slice(1, 5).flatMap((id) => [...table.subarray(id * width, (id + 1) * width)]);
    const initial = (await initialLearnables('coop', { n_ctx: 4 }, 3)).get('prompt_learner.ctx')?.values;
    expect([...(initial as Float32Array)]).toEqual(expected);
  });
});
