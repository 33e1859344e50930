/**
 * A CLIP's towers against its golden PyTorch embeddings (fixtures/embeddings.safetensors, written by the
 * model's build): our engine on a given backend and onnxruntime-web on the same ONNX graphs each against
 * PyTorch, and against each other. Inputs are the fixture's own token ids and pixel values, so this checks
 * the towers alone (the tokenizer and preprocessing have tests of their own). Shared by
 * `prompt-studio check clip` and the studio's worker.
 */
import type { Backend } from '../engine/backend';
import { SafetensorsFile } from '../engine/io/safetensors';
import { loadClipModel } from './clip-model';
import { parseClipConfig } from './config';
import type { ClipModelFiles } from './model-files';
import { createOrtTowers, type OrtProvider } from './onnx-runtime';
import { l2NormalizeRows } from './zero-shot';

/** Where a model folder keeps its golden embeddings. */
export const PARITY_FIXTURE = 'fixtures/embeddings.safetensors';

/**
 * On unit embeddings: PyTorch and onnxruntime agree to ~5e-6 in float32, while a real error (a wrong token,
 * a transposed weight) moves them by ~1e-2.
 */
export const PARITY_TOLERANCE = 1e-4;

export type ParityPairId = 'engine-pytorch' | 'onnxruntime-pytorch' | 'engine-onnxruntime';

export interface ParityPair {
  id: ParityPairId;
  label: string;
  /** max |Δ| over every component of the L2-normalised embeddings. */
  text: number;
  image: number;
  passed: boolean;
}

export interface ClipParityReport {
  model: string;
  /** What ran each side, e.g. "engine on webgpu (SwiftShader …)" and "onnxruntime-web (wasm)". */
  engine: string;
  onnxruntime: string;
  texts: number;
  images: number;
  tolerance: number;
  pairs: ParityPair[];
  seconds: { engine: number; onnxruntime: number };
  passed: boolean;
}

interface Embeddings {
  text: Float32Array;
  image: Float32Array;
}

/** The fixture's inputs and PyTorch's outputs, checked against the model they are compared with. */
interface ParityFixture {
  ids: number[][];
  pixels: { data: Float32Array; shape: number[] };
  pytorch: Embeddings;
  width: number;
}

function readFixture(bytes: Uint8Array, files: ClipModelFiles): ParityFixture {
  const golden = SafetensorsFile.parse(bytes);
  const config = parseClipConfig(files.config);
  const texts = golden.entries.get('input_ids')?.shape[0] ?? 0;
  const images = golden.entries.get('pixel_values')?.shape[0] ?? 0;
  const { channels, imageSize } = config.vision;
  const shapes = {
    input_ids: [texts, config.text.maxPositions],
    pixel_values: [images, channels, imageSize, imageSize],
    text_embeds: [texts, config.projectionDim],
    image_embeds: [images, config.projectionDim],
  };
  const read = (name: keyof typeof shapes) => {
    const entry = golden.entries.get(name);
    if (!entry) throw new Error(`the parity fixture has no ${name} tensor`);
    if (entry.shape.join() !== shapes[name].join()) {
      throw new Error(
        `the parity fixture's ${name} is [${entry.shape.join(', ')}], but ${files.source} needs ` +
          `[${shapes[name].join(', ')}]: the fixture was made for another model`,
      );
    }
    return golden.read(name);
  };
  const ids = read('input_ids').data;
  const length = config.text.maxPositions;
  const pixels = read('pixel_values');
  return {
    ids: Array.from({ length: texts }, (_, r) => Array.from(ids.subarray(r * length, (r + 1) * length))),
    pixels: { data: Float32Array.from(pixels.data), shape: pixels.shape },
    pytorch: {
      text: Float32Array.from(read('text_embeds').data),
      image: Float32Array.from(read('image_embeds').data),
    },
    width: config.projectionDim,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
}

async function engineEmbeddings(files: ClipModelFiles, backend: Backend, fixture: ParityFixture) {
  const model = loadClipModel(files, backend);
  try {
    const [images, channels, height, width] = fixture.pixels.shape as [number, number, number, number];
    const size = channels * height * width;
    const pixels = Array.from({ length: images }, (_, i) =>
      fixture.pixels.data.subarray(i * size, (i + 1) * size),
    );
    const join = (rows: Float32Array[]) => {
      const out = new Float32Array(rows.length * fixture.width);
      rows.forEach((row, i) => {
        out.set(row, i * fixture.width);
      });
      return out;
    };
    return {
      text: join(await model.encodeText(fixture.ids)),
      image: join(await model.encodeImages(pixels)),
    };
  } finally {
    model.dispose();
  }
}

async function ortEmbeddings(
  files: ClipModelFiles,
  providers: readonly OrtProvider[] | undefined,
  fixture: ParityFixture,
) {
  const towers = await createOrtTowers(files, providers);
  try {
    const text = await towers.runText(fixture.ids);
    const vision = await towers.runVision(fixture.pixels.data, fixture.pixels.shape);
    return {
      provider: towers.provider,
      embeddings: { text: text.textEmbeds.data, image: vision.imageEmbeds.data },
    };
  } finally {
    await towers.release();
  }
}

function maxAbsDiffOfUnitRows(a: Float32Array, b: Float32Array, cols: number): number {
  if (a.length !== b.length) throw new Error(`parity: ${a.length} values against ${b.length}`);
  const rows = a.length / cols;
  const unitA = l2NormalizeRows({ data: a, rows, cols }).data;
  const unitB = l2NormalizeRows({ data: b, rows, cols }).data;
  let max = 0;
  for (let i = 0; i < unitA.length; i++) {
    // NaN must fail the check, and Math.max would carry it to the report as NaN: make it infinite.
    const diff = Math.abs((unitA[i] as number) - (unitB[i] as number));
    max = Math.max(max, Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff);
  }
  return max;
}

/**
 * Runs both towers of `files` on the fixture through the engine (on `backend`) and onnxruntime (on the
 * first of `providers` that loads), one after the other so their timings are their own.
 */
export async function checkClipParity(
  files: ClipModelFiles,
  fixtureBytes: Uint8Array,
  backend: Backend,
  providers?: readonly OrtProvider[],
): Promise<ClipParityReport> {
  const fixture = readFixture(fixtureBytes, files);
  const engine = await timed(() => engineEmbeddings(files, backend, fixture));
  const ort = await timed(() => ortEmbeddings(files, providers, fixture));
  const sides = {
    engine: engine.result,
    onnxruntime: ort.result.embeddings,
    pytorch: fixture.pytorch,
  };
  const pair = (id: ParityPairId, a: keyof typeof sides, b: keyof typeof sides, label: string) => {
    const text = maxAbsDiffOfUnitRows(sides[a].text, sides[b].text, fixture.width);
    const image = maxAbsDiffOfUnitRows(sides[a].image, sides[b].image, fixture.width);
    return { id, label, text, image, passed: text <= PARITY_TOLERANCE && image <= PARITY_TOLERANCE };
  };
  const pairs = [
    pair('engine-pytorch', 'engine', 'pytorch', 'engine vs PyTorch'),
    pair('onnxruntime-pytorch', 'onnxruntime', 'pytorch', 'onnxruntime vs PyTorch'),
    pair('engine-onnxruntime', 'engine', 'onnxruntime', 'engine vs onnxruntime'),
  ];
  return {
    model: files.source,
    engine: `engine on ${backend.name}`,
    onnxruntime: `onnxruntime-web (${ort.result.provider})`,
    texts: fixture.ids.length,
    images: fixture.pixels.shape[0] as number,
    tolerance: PARITY_TOLERANCE,
    pairs,
    seconds: { engine: engine.seconds, onnxruntime: ort.seconds },
    passed: pairs.every((p) => p.passed),
  };
}
