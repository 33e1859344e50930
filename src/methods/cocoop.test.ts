import { describe, expect, it } from 'vitest';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { cpu } from '../engine/testing/backends';
import { checkMethodGradients } from './check/method-gradients';
import { worstRowError } from './check/row-error';
import { cocoop, META_NET_LINEAR1, META_NET_LINEAR2 } from './cocoop';
import { CONTEXT } from './coop';
import { learnable } from './learnables';
import type { PromptMethod } from './method';
import { methodFixture, smallestReferenceRow, tinyClip, withReferenceRowScaled } from './testing';
import { trainingLoss } from './training-loss';

const ROW_TOLERANCE = 1e-4;
const LEARNABLES = [
  CONTEXT,
  `${META_NET_LINEAR1}.weight`,
  `${META_NET_LINEAR1}.bias`,
  `${META_NET_LINEAR2}.weight`,
  `${META_NET_LINEAR2}.bias`,
];

/** The fixture's method with the fixture's learnables, its frozen image features and labels. */
async function fixtureMethod(hyperparameters = {}) {
  const { model, tokenizer } = await tinyClip(cpu);
  const fixture = methodFixture('cocoop');
  const method = cocoop.create(
    { model, tokenizer, classNames: fixture.classNames, seed: 0 },
    { ...fixture.hyperparameters, ...hyperparameters },
  );
  for (const [name, t] of method.learnables) cpu.write(t, fixture.file.read(`learnable.${name}`).data);
  const pixels = fixture.file.read('images');
  const frozen = new Tape(cpu, false);
  const images = cpu.tensor(pixels.shape, pixels.data);
  const features = frozen.detach(model.vision.forward(frozen, images).imageEmbeds);
  frozen.dispose();
  images.free();
  return { method, features, labels: fixture.labels };
}

/** Logits and every learnable's gradient of the training loss on `rows` of the features. */
async function lossGradients(method: PromptMethod, features: Tensor, labels: number[], rows: number[]) {
  const tape = new Tape(cpu);
  const width = features.shape[1] as number;
  const all = await features.read();
  const batch = tape.track(
    cpu.tensor(
      [rows.length, width],
      rows.flatMap((r) => [...all.subarray(r * width, (r + 1) * width)]),
    ),
  );
  const { logits, loss } = trainingLoss(
    tape,
    method,
    batch,
    rows.map((r) => labels[r] as number),
  );
  const values = await logits.read();
  const grads = tape.backward(loss);
  const out = new Map<string, Float32Array>();
  for (const [name, t] of method.learnables) {
    const g = grads.get(t);
    out.set(name, g ? await g.read() : new Float32Array(t.size));
  }
  for (const g of grads.values()) g.free();
  tape.dispose();
  return { logits: values, grads: out };
}

describe('CoCoOp', () => {
  it('matches the PyTorch reference, every gradient row within 1e-4', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const report = await checkMethodGradients(methodFixture('cocoop'), model, tokenizer, 'cocoop');
    expect(report.mismatches).toEqual([]);
    expect(report.strayGradients).toBe(0);
    expect(report.rowTolerance).toBe(ROW_TOLERANCE);
    expect(report.gradients.map((g) => g.name).sort()).toEqual([...LEARNABLES].sort());
    for (const g of report.gradients) expect(g.rowError, g.name).toBeLessThan(ROW_TOLERANCE);
    expect(report.logitsError).toBeLessThan(ROW_TOLERANCE);
    expect(report.lossError).toBeLessThan(ROW_TOLERANCE);
    expect(report.passed).toBe(true);
  });

  it('keeps every gradient with one class per checkpointed text pass inside each image', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const fixture = methodFixture('cocoop');
    const split = { ...fixture, hyperparameters: { ...fixture.hyperparameters, classes_per_pass: 1 } };
    const report = await checkMethodGradients(split, model, tokenizer, 'cocoop, 1 class per pass');
    for (const g of report.gradients) expect(g.rowError, g.name).toBeLessThan(ROW_TOLERANCE);
    expect(report.passed).toBe(true);
  });

  it('fails when one reference row is 1 % off, even the smallest row, which the whole-tensor bar misses', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const fixture = methodFixture('cocoop');
    for (const name of [CONTEXT, `${META_NET_LINEAR2}.weight`]) {
      const row = smallestReferenceRow(fixture, name);
      const wrong = withReferenceRowScaled(fixture, name, row, 1.01);
      const report = await checkMethodGradients(wrong, model, tokenizer, `cocoop, ${name}[${row}] × 1.01`);
      const gradient = report.gradients.find((g) => g.name === name);
      expect(gradient?.worstRow, name).toBe(row);
      expect(gradient?.rowError, name).toBeGreaterThan(0.009);
      expect(report.passed, name).toBe(false);
      if (name !== CONTEXT) expect(gradient?.error, name).toBeLessThan(1e-3);
    }
  });

  it('an image alone (no checkpoint) gives its row of the batch and the batch gradient is their mean', async () => {
    const { method, features, labels } = await fixtureMethod();
    try {
      const batch = await lossGradients(method, features, labels, [0, 1, 2, 3]);
      const alone = await Promise.all([0, 1, 2, 3].map((r) => lossGradients(method, features, labels, [r])));
      const classes = batch.logits.length / 4;
      alone.forEach(({ logits }, r) => {
        const row = batch.logits.subarray(r * classes, (r + 1) * classes);
        logits.forEach((v, k) => {
          expect(v).toBeCloseTo(row[k] as number, 5);
        });
      });
      for (const [name, grad] of batch.grads) {
        const mean = grad.map(
          (_, i) => alone.reduce((s, a) => s + (a.grads.get(name)?.[i] as number), 0) / 4,
        );
        const shape = learnable(method.learnables, name).shape;
        expect(worstRowError(mean, grad, shape).error, name).toBeLessThan(1e-5);
      }
    } finally {
      features.free();
      method.dispose();
    }
  });

  it('declares the reference names and shapes, the context from "a photo of a", the meta net as nn.Linear', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const classNames = ['circle', 'square', 'triangle'];
    const method = cocoop.create({ model, tokenizer, classNames, seed: 3 });
    const again = cocoop.create({ model, tokenizer, classNames, seed: 3 });
    const other = cocoop.create({ model, tokenizer, classNames, seed: 4 });
    try {
      const { projectionDim: features } = model.config;
      const text = model.config.text.hiddenSize;
      const hidden = features / 16;
      expect(Object.fromEntries([...method.learnables].map(([n, t]) => [n, t.shape]))).toEqual({
        [CONTEXT]: [4, text],
        [`${META_NET_LINEAR1}.weight`]: [hidden, features],
        [`${META_NET_LINEAR1}.bias`]: [hidden],
        [`${META_NET_LINEAR2}.weight`]: [text, hidden],
        [`${META_NET_LINEAR2}.bias`]: [text],
      });
      const words = tokenizer.encode(['a photo of a'], model.config.text.maxPositions).ids[0] as number[];
      const table = await model.text.tokenEmbedding.read();
      const expected = words.slice(1, 5).flatMap((id) => [...table.subarray(id * text, (id + 1) * text)]);
      expect([...(await learnable(method.learnables, CONTEXT).read())]).toEqual(expected);
      for (const [prefix, inFeatures] of [
        [META_NET_LINEAR1, features],
        [META_NET_LINEAR2, hidden],
      ] as const) {
        const weights = await learnable(method.learnables, `${prefix}.weight`).read();
        const bound = 1 / Math.sqrt(inFeatures);
        expect(Math.max(...weights.map(Math.abs))).toBeLessThanOrEqual(bound);
        expect(Math.max(...weights.map(Math.abs))).toBeGreaterThan(0.5 * bound);
        expect(await learnable(again.learnables, `${prefix}.weight`).read()).toEqual(weights);
        expect(await learnable(other.learnables, `${prefix}.weight`).read()).not.toEqual(weights);
      }
    } finally {
      for (const m of [method, again, other]) m.dispose();
    }
  });
});
