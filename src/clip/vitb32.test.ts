// A CLIP with ViT-B/32's dimensions (2 layers a tower, random weights), exported by the embedded model's
// pipeline, through the same loader; onnxruntime-web on the same graphs is the reference.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../engine/backend';
import { cpu, testGpuBackend } from '../engine/testing/backends';
import { loadClipModel } from './clip-model';
import type { ClipModelFiles } from './model-files';
import { createOrtTowers } from './onnx-runtime';
import { readModelDir } from './sources/node-dir';
import { maxAbsDiff, TINY_CLIP_DIR } from './testing';

const PYTHON = '/usr/bin/python3';

const MOVE_TO_EXTERNAL_DATA = `
import sys, onnx
path = sys.argv[1]
model = onnx.load(path)
onnx.save_model(model, path, save_as_external_data=True, location='vision_model.onnx_data', size_threshold=0)
`;

/** Why the export cannot be built here, or null when it can. */
function unavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} has no torch/onnx (${probe.stderr.trim().split('\n').pop()})`;
  if (!existsSync(`${TINY_CLIP_DIR}tokenizer.json`)) return 'models/tiny-clip/tokenizer.json is missing';
  return null;
}

const reason = unavailable();
if (reason) console.warn(`skipping the ViT-B/32 loader test: ${reason}`);

/** 1-D Float32Array of a [rows, cols] embedding matrix, each row L2-normalised. */
function normalizedRows(rows: readonly Float32Array[]): Float32Array {
  return Float32Array.from(
    rows.flatMap((row) => {
      const norm = Math.hypot(...row);
      return Array.from(row, (v) => v / norm);
    }),
  );
}

describe.skipIf(reason !== null)('a ViT-B/32-shaped CLIP (random, 2 layers) exported to ONNX', () => {
  let dir = '';
  let files: ClipModelFiles;
  // Two captions of the tiny BPE padded with its <|endoftext|> (730) to 77, and one 224 px image.
  const ids = [
    [729, 320, 1, 2, 730],
    [729, 5, 730, 730, 730],
  ].map((row) => [...row, ...new Array<number>(77 - row.length).fill(730)]);
  const image = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37) * 1.5);
  let reference: { text: Float32Array[]; image: Float32Array[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clip-vitb32-'));
    const build = spawnSync(PYTHON, [`${TINY_CLIP_DIR}build.py`, '--stage', 'vitb32-random', '--out', dir], {
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`vitb32-random export failed:\n${build.stderr}`);
    // The vision graph's weights moved to an external file, as exports over 2 GB must store them.
    const external = spawnSync(
      PYTHON,
      ['-c', MOVE_TO_EXTERNAL_DATA, join(dir, 'onnx', 'vision_model.onnx')],
      {
        encoding: 'utf8',
      },
    );
    if (external.status !== 0) throw new Error(`re-saving with external data failed:\n${external.stderr}`);
    files = await readModelDir(dir);
    expect([...files.externalData.keys()]).toEqual(['vision_model.onnx_data']);
    const towers = await createOrtTowers(files, ['wasm']);
    const text = await towers.runText(ids);
    const vision = await towers.runVision(image, [1, 3, 224, 224]);
    await towers.release();
    const rows = ({ data, dims }: { data: Float32Array; dims: readonly number[] }) =>
      Array.from({ length: dims[0] as number }, (_, r) =>
        data.slice(r * (dims[1] as number), (r + 1) * (dims[1] as number)),
      );
    reference = { text: rows(text.textEmbeds), image: rows(vision.imageEmbeds) };
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const backends: [string, () => Promise<Backend>][] = [
    ['CPU', async () => cpu],
    ['WebGPU', testGpuBackend],
  ];
  it.each(backends)(
    'the engine on %s matches onnxruntime',
    async (_, backend) => {
      const model = loadClipModel(files, await backend());
      try {
        expect(model.config.vision.hiddenSize).toBe(768);
        const text = await model.encodeText(ids);
        const images = await model.encodeImages([image]);
        const textDiff = maxAbsDiff(normalizedRows(text), normalizedRows(reference.text));
        const imageDiff = maxAbsDiff(normalizedRows(images), normalizedRows(reference.image));
        console.log(
          `ViT-B/32 ${_}: max |Δ| normalised text ${textDiff.toExponential(2)}, image ${imageDiff.toExponential(2)}`,
        );
        expect(textDiff).toBeLessThanOrEqual(1e-4);
        expect(imageDiff).toBeLessThanOrEqual(1e-4);
      } finally {
        model.dispose();
      }
    },
    600_000,
  );
});
