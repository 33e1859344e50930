import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../engine/backend';
import { SafetensorsFile } from '../engine/io/safetensors';
import { concatTokens, replaceTokens, sliceTokens } from '../engine/ops/tokens';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { cpu, testGpuBackend } from '../engine/testing/backends';
import { type ClipModel, loadClipModel } from './clip-model';
import { readModelDir } from './sources/node-dir';
import { maxAbsDiff, TINY_CLIP_DIR } from './testing';
import { endOfTextIndices } from './text-tower';

const MODEL_DIR = TINY_CLIP_DIR;
const FIXTURE = `${MODEL_DIR}fixtures/embeddings.safetensors`;
const present = existsSync(`${MODEL_DIR}onnx/text_model.onnx`) && existsSync(FIXTURE);
if (!present)
  console.warn('skipping the CLIP parity tests: models/tiny-clip has no ONNX export or fixtures yet');

/** The bar for L2-normalised embeddings against PyTorch. */
const TOLERANCE = 1e-4;

function normalizedRows(data: Float32Array | Float64Array, cols: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0; r < data.length / cols; r++) {
    const row = data.subarray(r * cols, (r + 1) * cols);
    const norm = Math.hypot(...row);
    row.forEach((v, c) => {
      out[r * cols + c] = v / norm;
    });
  }
  return out;
}

const stack = (rows: readonly Float32Array[]) => Float32Array.from(rows.flatMap((r) => Array.from(r)));

/** [B, T, C] golden tensor vs [B, T', C] engine output, over the engine's T' ≤ T tokens. */
function maxDiffOverPrefix(
  actual: Float32Array,
  expected: Float32Array | Float64Array,
  shape: number[],
  tokens: number,
) {
  const [batch, , channels] = shape as [number, number, number];
  let max = 0;
  for (let b = 0; b < batch; b++) {
    const a = actual.subarray(b * tokens * channels, (b + 1) * tokens * channels);
    const e = expected.subarray(
      b * (shape[1] as number) * channels,
      b * (shape[1] as number) * channels + a.length,
    );
    max = Math.max(max, maxAbsDiff(a, e));
  }
  return max;
}

const golden = present ? SafetensorsFile.parse(readFileSync(FIXTURE)) : null;
const fixture = (key: string) => {
  if (!golden) throw new Error('no fixture');
  return golden.read(key);
};
/** The fixture's input_ids as rows. */
const ids = () => {
  const { data, shape } = fixture('input_ids');
  const [rows, cols] = shape as [number, number];
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
};
/** The fixture's pixel_values, one CHW array per image. */
const images = () => {
  const { data, shape } = fixture('pixel_values');
  const size = data.length / (shape[0] as number);
  return Array.from({ length: shape[0] as number }, (_, i) =>
    Float32Array.from(data.subarray(i * size, (i + 1) * size)),
  );
};

const backends: [string, () => Promise<Backend>][] = [
  ['CPU', async () => cpu],
  ['WebGPU', testGpuBackend],
];

describe.skipIf(!present).each(backends)('the embedded CLIP on %s against PyTorch', (name, backend) => {
  let model: ClipModel;
  beforeAll(async () => {
    model = loadClipModel(await readModelDir(MODEL_DIR), await backend());
  });
  afterAll(() => model.dispose());

  it('text embeddings', async () => {
    const start = performance.now();
    const text = await model.encodeText(ids());
    const seconds = (performance.now() - start) / 1000;
    const expected = fixture('text_embeds');
    const cols = expected.shape[1] as number;
    const diff = maxAbsDiff(normalizedRows(stack(text), cols), normalizedRows(expected.data, cols));
    console.log(
      `${name}: text ${text.length}×${cols}, max |Δ| normalised ${diff.toExponential(2)}, ${seconds.toFixed(2)} s`,
    );
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(stack(text), expected.data)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('image embeddings', async () => {
    const start = performance.now();
    const embeds = await model.encodeImages(images());
    const seconds = (performance.now() - start) / 1000;
    const expected = fixture('image_embeds');
    const cols = expected.shape[1] as number;
    const diff = maxAbsDiff(normalizedRows(stack(embeds), cols), normalizedRows(expected.data, cols));
    console.log(
      `${name}: images ${embeds.length}×${cols}, max |Δ| normalised ${diff.toExponential(2)}, ${seconds.toFixed(2)} s`,
    );
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('last hidden states; the text runs only up to the last end-of-text', async () => {
    const tape = new Tape(model.backend, false);
    try {
      const rows = ids();
      const text = model.text.forward(tape, rows);
      const used = text.lastHiddenState.shape[1] as number;
      expect(used).toBeGreaterThanOrEqual(Math.max(...endOfTextIndices(rows)) + 1);
      const expectedText = fixture('text_last_hidden_state');
      const textDiff = maxDiffOverPrefix(
        await text.lastHiddenState.read(),
        expectedText.data,
        expectedText.shape,
        used,
      );

      const { data, shape } = fixture('pixel_values');
      const pixels = tape.track(model.backend.tensor(shape, data));
      const vision = model.vision.forward(tape, pixels);
      const imageDiff = maxAbsDiff(
        await vision.lastHiddenState.read(),
        fixture('image_last_hidden_state').data,
      );
      console.log(
        `${name}: last_hidden_state max |Δ| text (first ${used} tokens) ${textDiff.toExponential(2)}, image ${imageDiff.toExponential(2)}`,
      );
      expect(textDiff).toBeLessThanOrEqual(TOLERANCE);
      expect(imageDiff).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      tape.dispose();
    }
  });

  it('short texts run fewer tokens; methods can enter through token embeddings and before every layer', async () => {
    const tape = new Tape(model.backend, false);
    try {
      const rows = ids().slice(0, 2);
      const { textEmbeds, lastHiddenState } = model.text.forward(tape, rows);
      expect(lastHiddenState.shape[1]).toBeLessThan(rows[0]?.length ?? 0);
      const direct = await textEmbeds.read();
      const expected = fixture('text_embeds').data.subarray(0, direct.length);
      expect(maxAbsDiff(direct, expected)).toBeLessThanOrEqual(TOLERANCE);
      const seen: number[] = [];
      const hooked = model.text.forwardFromEmbeddings(
        tape,
        model.text.embedTokens(tape, rows),
        endOfTextIndices(rows),
        {
          beforeLayer: (index, x: Tensor) => {
            seen.push(index);
            return x;
          },
        },
      );
      expect(seen).toEqual([...Array(model.config.text.layers).keys()]);
      expect(maxAbsDiff(await hooked.textEmbeds.read(), direct)).toBe(0);
    } finally {
      tape.dispose();
    }
  });
});

const COOP = `${MODEL_DIR}fixtures/coop_grad.safetensors`;
const VPT = `${MODEL_DIR}fixtures/vpt_deep_grad.safetensors`;
const prompted = present && existsSync(COOP) && existsSync(VPT);

describe.skipIf(!prompted)(
  'the embedded CLIP on CPU: batching, and prompt-tuning forward passes against PyTorch',
  () => {
    let model: ClipModel;
    beforeAll(async () => {
      model = loadClipModel(await readModelDir(MODEL_DIR), cpu);
    });
    afterAll(() => model.dispose());

    it('encodes in batches', async () => {
      const text = stack(await model.encodeText(ids(), { batchSize: 4 }));
      expect(maxAbsDiff(text, stack(await model.encodeText(ids())))).toBe(0);
      const embeds = stack(await model.encodeImages(images(), { batchSize: 3 }));
      expect(maxAbsDiff(embeds, stack(await model.encodeImages(images())))).toBe(0);
    });

    it('CoOp: context vectors replace tokens 1..4 of "X X X X {class}."', async () => {
      const golden = SafetensorsFile.parse(readFileSync(COOP));
      const { data, shape } = golden.read('input_ids');
      const [classes, tokens] = shape as [number, number];
      const ids = Array.from({ length: classes }, (_, r) =>
        Array.from(data.subarray(r * tokens, (r + 1) * tokens)),
      );
      const ctx = golden.read('prompt_learner.ctx');
      const tape = new Tape(cpu, false);
      try {
        const context = tape.track(cpu.tensor(ctx.shape, ctx.data));
        const embeddings = replaceTokens(tape, model.text.embedTokens(tape, ids), 1, context);
        const { textEmbeds } = model.text.forwardFromEmbeddings(tape, embeddings, endOfTextIndices(ids));
        expect(maxAbsDiff(await textEmbeds.read(), golden.read('text_features').data)).toBeLessThanOrEqual(
          TOLERANCE,
        );
      } finally {
        tape.dispose();
      }
    });

    it('VPT-deep: [cls, prompts, patches] after pre_layrnorm, prompts replaced before every later layer', async () => {
      const golden = SafetensorsFile.parse(readFileSync(VPT));
      const tape = new Tape(cpu, false);
      try {
        const upload = (key: string) => {
          const { shape, data } = golden.read(key);
          return tape.track(cpu.tensor(shape, data));
        };
        const shallow = upload('vpt_embeddings');
        const [, count, channels] = shallow.shape as [number, number, number];
        // vpt_embeddings_deep [layers - 1, count, C]: one [count, C] set per later layer, shared by the batch.
        const deep = golden.read('vpt_embeddings_deep').data;
        const deepPrompts = Array.from({ length: model.config.vision.layers - 1 }, (_, i) =>
          tape.track(
            cpu.tensor([count, channels], deep.subarray(i * count * channels, (i + 1) * count * channels)),
          ),
        );
        const x = model.vision.embed(tape, upload('pixel_values'));
        const tokens = x.shape[1] as number;
        const withPrompts = concatTokens(tape, [
          sliceTokens(tape, x, 0, 1),
          shallow,
          sliceTokens(tape, x, 1, tokens - 1),
        ]);
        const last = model.vision.forwardLayers(tape, withPrompts, {
          beforeLayer: (i, h) => (i === 0 ? h : replaceTokens(tape, h, 1, deepPrompts[i - 1] as Tensor)),
        });
        const imageEmbeds = model.vision.pool(tape, last);
        expect(maxAbsDiff(await imageEmbeds.read(), golden.read('image_embeds').data)).toBeLessThanOrEqual(
          TOLERANCE,
        );
      } finally {
        tape.dispose();
      }
    });
  },
);
