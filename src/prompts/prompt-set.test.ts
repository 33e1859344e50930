import { describe, expect, it } from 'vitest';
import type { ClipModelFiles } from '../clip/model-files';
import { readSafetensors, SafetensorsFile, writeSafetensors } from '../engine/io/safetensors';
import { cpu } from '../engine/testing/backends';
import type { PromptMethod } from '../methods/method';
import { methodDefinition } from '../methods/registry';
import { modelMissing, testClip, tinyTask } from '../train/testing';
import { trainRun } from '../train/trainer';
import { type ModelIdentity, modelIdentity } from './model-identity';
import { PromptSetPredictor } from './predict';
import {
  encodeFloats,
  loadPromptSetTensors,
  type PromptSet,
  parsePromptSet,
  promptSetFromResult,
  serializePromptSet,
} from './prompt-set';
import { promptSetSafetensors, promptSetTextOfSafetensors } from './safetensors-export';

const model: ModelIdentity = {
  id: 'embedded',
  sha256: 'ab'.repeat(32),
  widths: { text: 8, vision: 8, projection: 4 },
};

const set: PromptSet = {
  model,
  method: 'linear-probe',
  hyperparameters: {},
  task: { name: 'toy', classes: ['a', 'b', 'c'] },
  tensors: new Map([
    ['head.weight', { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) }],
    ['head.bias', { shape: [3], data: Float32Array.from([1e-30, -0, Math.PI]) }],
  ]),
  metrics: {
    testAccuracy: 0.5,
    validationAccuracy: null,
    perClassAccuracy: [1, 0.5, 0],
    shots: 1,
    seed: 3,
    trainableParameters: 15,
    training: null,
  },
  createdAt: '2025-01-01T00:00:00.000Z',
};

/** The document with one change made to its parsed JSON. */
// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON
function edited(change: (doc: Record<string, any>) => void): string {
  const doc = JSON.parse(serializePromptSet(set));
  change(doc);
  return JSON.stringify(doc);
}

describe('prompt set documents', () => {
  it('round-trip exactly, float bits included', () => {
    const back = parsePromptSet(serializePromptSet(set), { model });
    expect(back).toEqual(set);
    expect(Object.is(back.tensors.get('head.bias')?.data[1], -0)).toBe(true);
  });

  it.each([
    ['not JSON', () => '{"format": ', /not a prompt set: the file is not JSON/],
    ['JSON but not an object', () => '[1, 2]', /JSON but not an object/],
    [
      'another format',
      () => edited((d) => (d.format = 'something-else')),
      /format is "something-else", expected "prompt-studio.prompts"/,
    ],
    ['a newer version', () => edited((d) => (d.version = 2)), /version 2 is not supported/],
    ['no task classes', () => edited((d) => delete d.task.classes), /missing field task.classes/],
    ['no model digest', () => edited((d) => delete d.model.sha256), /missing field model.sha256/],
    ['no tensors', () => edited((d) => delete d.tensors), /missing field tensors/],
    [
      'a mistyped field',
      () => edited((d) => (d.model.widths.text = 'wide')),
      /field model.widths.text must be a positive whole number/,
    ],
    ['an unknown method', () => edited((d) => (d.method = 'prompt-magic')), /unknown method "prompt-magic"/],
    [
      'a short tensor',
      () => edited((d) => (d.tensors['head.bias'].data = d.tensors['head.bias'].data.slice(0, 8))),
      /tensor head.bias: data holds 6 bytes, but shape \[3\] needs 12/,
    ],
    [
      'bad base64',
      () => edited((d) => (d.tensors['head.bias'].data = '@@@@')),
      /tensor head.bias: data is not valid base64/,
    ],
    [
      'another dtype',
      () => edited((d) => (d.tensors['head.bias'].dtype = 'float16')),
      /tensors.head.bias.dtype must be "float32"/,
    ],
    [
      'a NaN tensor',
      () => edited((d) => (d.tensors['head.bias'].data = encodeFloats(Float32Array.of(1, Number.NaN, 2)))),
      "tensor head.bias holds NaN at element 1: a prompt set's tensors must be finite numbers",
    ],
    [
      'an infinite tensor',
      () =>
        edited((d) => (d.tensors['head.weight'].data = encodeFloats(new Float32Array(12).fill(Infinity)))),
      "tensor head.weight holds Infinity at element 0: a prompt set's tensors must be finite numbers",
    ],
    [
      'a shape too large to allocate, before decoding',
      () => edited((d) => (d.tensors['head.bias'].shape = [100000, 100000])),
      'tensor head.bias: shape [100000, 100000] has 10000000000 elements, more than the 67108864 a prompt set’s tensor may hold'.replace(
        '’',
        "'",
      ),
    ],
    [
      'a shape that does not match the data, before decoding',
      () => edited((d) => (d.tensors['head.bias'].shape = [3000000])),
      'tensor head.bias: data holds 12 bytes, but shape [3000000] needs 12000000 (float32); the file is truncated or was edited',
    ],
    [
      'a test accuracy given as text',
      () => edited((d) => (d.metrics.testAccuracy = '5')),
      'field metrics.testAccuracy must be a fraction from 0 to 1 or null, got "5"',
    ],
    [
      'a test accuracy above 1',
      () => edited((d) => (d.metrics.testAccuracy = 5.0)),
      'field metrics.testAccuracy must be a fraction from 0 to 1 or null, got 5',
    ],
    [
      'per-class accuracies for other classes',
      () => edited((d) => (d.metrics.perClassAccuracy = [1, 0.5])),
      'field metrics.perClassAccuracy must be null or a list of 3 fractions from 0 to 1 (or null), one per class, got [1,0.5]',
    ],
    [
      'a fractional seed',
      () => edited((d) => (d.metrics.seed = 1.5)),
      'field metrics.seed must be a whole number ≥ 0 or null, got 1.5',
    ],
    [
      'a negative learning rate',
      () => edited((d) => (d.metrics.training = { learningRate: -1 })),
      'field metrics.training.learningRate must be a finite number ≥ 0, got -1',
    ],
    [
      'a context length given as text',
      () =>
        edited((d) => {
          d.method = 'coop';
          d.hyperparameters = { n_ctx: '16' };
        }),
      'coop: n_ctx must be a whole number ≥ 1, got "16"',
    ],
  ])('refuse %s with a message saying so', (_, text, message) => {
    expect(() => parsePromptSet(text())).toThrow(message);
  });

  it('refuse a context longer than the model holds when its bounds are given', () => {
    const text = edited((d) => {
      d.method = 'coop';
      d.hyperparameters = { n_ctx: 100000000 };
    });
    expect(() =>
      parsePromptSet(text, { bounds: { textContext: 32, longestClassName: 2, longestTaskPhrase: 1 } }),
    ).toThrow(
      'coop: n_ctx must be a whole number from 1 to 27 (the model\'s text context of 32 tokens less 2 for the longest class name and 3 for start, "." and end), got 100000000',
    );
  });

  it('are checked on export as on import: no NaN and no mistyped metric is written', () => {
    const nan = new Map(set.tensors);
    nan.set('head.bias', { shape: [3], data: Float32Array.of(0, 0, Number.NEGATIVE_INFINITY) });
    expect(() => serializePromptSet({ ...set, tensors: nan })).toThrow(
      "tensor head.bias holds -Infinity at element 2: a prompt set's tensors must be finite numbers",
    );
    expect(() => serializePromptSet({ ...set, metrics: { ...set.metrics, testAccuracy: 5 } })).toThrow(
      'field metrics.testAccuracy must be a fraction from 0 to 1 or null, got 5',
    );
  });

  it('refuse another model, saying whether widths or weights differ', () => {
    const text = serializePromptSet(set);
    expect(() =>
      parsePromptSet(text, { model: { ...model, widths: { ...model.widths, projection: 512 } } }),
    ).toThrow(/made for model "embedded".*projection width 4 vs 512/);
    expect(() => parsePromptSet(text, { model: { ...model, id: 'other', sha256: 'cd'.repeat(32) } })).toThrow(
      /sha256 abababababab…\), but the loaded model "other" has different weights/,
    );
  });

  it("refuse tensors that do not fit the method's for this model and class count, naming the tensor", () => {
    const method = (shapes: Record<string, number[]>): PromptMethod => ({
      id: 'linear-probe',
      input: 'image-features',
      learnables: new Map(Object.entries(shapes).map(([name, shape]) => [name, cpu.tensor(shape)])),
      hyperparameters: {},
      classifier: () => {
        throw new Error('unused');
      },
      dispose: () => {},
    });
    expect(() => loadPromptSetTensors(set, method({ 'head.weight': [5, 4], 'head.bias': [5] }))).toThrow(
      'tensor head.weight has shape [3, 4], but the linear-probe method expects [5, 4] for this model and 3 classes',
    );
    expect(() =>
      loadPromptSetTensors(set, method({ 'head.weight': [3, 4], 'head.bias': [3], 'head.scale': [1] })),
    ).toThrow(/tensor head.scale is missing/);
    expect(() => loadPromptSetTensors(set, method({ 'head.weight': [3, 4] }))).toThrow(
      /unexpected tensors for linear-probe: head.bias/,
    );
    const fits = method({ 'head.weight': [3, 4], 'head.bias': [3] });
    loadPromptSetTensors(set, fits);
    expect(cpu.data(fits.learnables.get('head.bias') as never)).toEqual(set.tensors.get('head.bias')?.data);
  });

  it('export to safetensors under the reference names, with the rest as metadata', () => {
    const file = SafetensorsFile.parse(promptSetSafetensors(set));
    expect(file.metadata.method).toBe('linear-probe');
    expect(JSON.parse(file.metadata.classNames as string)).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(file.metadata.model as string)).toEqual(model);
    const tensors = readSafetensors(promptSetSafetensors(set));
    expect(tensors.get('head.weight')).toEqual({
      dtype: 'F32',
      shape: [3, 4],
      data: set.tensors.get('head.weight')?.data,
    });
  });

  it('read back from safetensors through the same checks, to the same set', () => {
    expect(parsePromptSet(promptSetTextOfSafetensors(promptSetSafetensors(set)))).toEqual(set);
    // Checked as the JSON document is: a non-finite tensor is refused.
    const infinite = {
      ...set,
      tensors: new Map([
        ...set.tensors,
        ['head.bias', { shape: [3], data: Float32Array.from([1, Infinity, 0]) }],
      ]),
    };
    expect(() => parsePromptSet(promptSetTextOfSafetensors(promptSetSafetensors(infinite)))).toThrow(
      /head.bias holds Infinity/,
    );
    // Another program's safetensors file (a method fixture) is named as such.
    const foreign = writeSafetensors([['x', { shape: [1], data: Float32Array.from([1]) }]], {
      method: 'coop',
    });
    expect(() => promptSetTextOfSafetensors(foreign)).toThrow(/without the studio's metadata/);
    expect(() => promptSetTextOfSafetensors(new Uint8Array(3))).toThrow(
      /^not a prompt set: safetensors: 3-byte/,
    );
  });
});

describe('model identity', () => {
  const files = (vision: number[]): ClipModelFiles => ({
    source: 'test',
    config: JSON.stringify({
      projection_dim: 64,
      text_config: { hidden_size: 32 },
      vision_config: { hidden_size: 48 },
    }),
    preprocessorConfig: '{}',
    tokenizer: '{}',
    tokenizerConfig: null,
    textModel: Uint8Array.from([1, 2, 3]),
    visionModel: Uint8Array.from(vision),
    externalData: new Map(),
  });

  it('digests the config and graphs, and reads the widths', async () => {
    const identity = await modelIdentity(files([4, 5]), 'mine');
    expect(identity.widths).toEqual({ text: 32, vision: 48, projection: 64 });
    expect(identity.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await modelIdentity(files([4, 5]), 'other')).sha256).toBe(identity.sha256);
    expect((await modelIdentity(files([4, 6]), 'mine')).sha256).not.toBe(identity.sha256);
  });
});

describe.skipIf(modelMissing)('a crafted prompt set on the embedded model', () => {
  it('is refused at once when its n_ctx cannot fit the text context, before any tensor is made', async () => {
    const { clip, identity } = await testClip(cpu);
    const crafted: PromptSet = {
      ...set,
      model: identity,
      method: 'coop',
      hyperparameters: { n_ctx: 100000000 },
      task: { name: 'toy', classes: ['red', 'green', 'blue'] },
      tensors: new Map([['prompt_learner.ctx', { shape: [1, 1], data: Float32Array.of(0) }]]),
    };
    const imported = parsePromptSet(serializePromptSet(crafted), { model: identity });
    const started = performance.now();
    expect(() => PromptSetPredictor.create(imported, clip)).toThrow(
      'coop: n_ctx must be a whole number from 1 to 28 (the model\'s text context of 32 tokens less 1 for the longest class name and 3 for start, "." and end), got 100000000',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe.skipIf(modelMissing)('a trained prompt set', () => {
  it('predicts the same after export and import as the trained method did', async () => {
    const { clip, identity } = await testClip(cpu);
    const task = await tinyTask(['red', 'green', 'blue'], 4, 3);
    const config = { epochs: 2, learningRate: 0.002 };
    const result = await trainRun({
      clip,
      method: methodDefinition('coop'),
      task,
      shots: 4,
      seed: 1,
      config,
    });
    const trained = promptSetFromResult(result, identity);
    const imported = parsePromptSet(serializePromptSet(trained), { model: identity });
    const predictors = [trained, imported].map((s) => PromptSetPredictor.create(s, clip));
    try {
      const [before, after] = await Promise.all(predictors.map((p) => p.logits(task.test)));
      expect(after?.data).toEqual(before?.data);
      const report = await (predictors[1] as PromptSetPredictor).evaluate(task.test);
      expect(report.top1).toBe(result.test.top1);
      const [prediction] = await (predictors[1] as PromptSetPredictor).predict(task.test.slice(0, 1), 2);
      expect(prediction?.top).toHaveLength(2);
      const probabilities = prediction?.top.map((s) => s.probability) ?? [];
      expect(probabilities[0]).toBeGreaterThanOrEqual(probabilities[1] as number);
    } finally {
      for (const p of predictors) p.dispose();
    }
  });
});
