/**
 * Texts and images to CLIP embeddings, whatever runs the towers: the zero-shot evaluation and feature caches
 * only see this interface. Tokenising and preprocessing are driven by the model's own files.
 */
import type { Backend } from '../engine/backend';
import { type ClipModel, loadClipModel } from './clip-model';
import { parseClipConfig } from './config';
import type { ClipModelFiles } from './model-files';
import { createOrtTowers, type OrtProvider } from './onnx-runtime';
import { parseImageProcessorConfig, preprocessImage, preprocessImages, type RgbaImage } from './preprocess';
import { ClipTokenizer } from './tokenizer';
import { type Matrix, stackRows } from './zero-shot';

export interface ClipEncoder {
  /** What computes the embeddings, for reports: e.g. "onnxruntime-web (wasm)". */
  readonly backend: string;
  /** ln of the temperature exp(logit_scale) that multiplies cosine similarities. */
  readonly logitScaleLog: number;
  /** Unnormalised text embeddings (text_embeds), one row per text. */
  encodeTexts(texts: readonly string[]): Promise<Matrix>;
  /** Unnormalised image embeddings (image_embeds), one row per image. */
  encodeImages(images: readonly RgbaImage[]): Promise<Matrix>;
  release(): Promise<void>;
}

/** Rows per tower call: large enough to amortise a call, small enough for a 224 px ViT-B batch in memory. */
const TEXT_BATCH = 64;
const IMAGE_BATCH = 16;

/** What turns texts and images into tower inputs, read from the model's own files. */
function modelInputs(files: ClipModelFiles) {
  const config = parseClipConfig(files.config);
  const tokenizer = ClipTokenizer.fromJson(files.tokenizer, files.tokenizerConfig ?? undefined);
  const processor = parseImageProcessorConfig(JSON.parse(files.preprocessorConfig));
  const tokenize = (texts: readonly string[]) => tokenizer.encode(texts, config.text.maxPositions).ids;
  return { config, tokenize, processor };
}

/** The towers on onnxruntime-web (the exported graphs as they are). */
export async function ortEncoder(
  files: ClipModelFiles,
  providers?: readonly OrtProvider[],
): Promise<ClipEncoder> {
  const { config, tokenize, processor } = modelInputs(files);
  const towers = await createOrtTowers(files, providers);
  return {
    backend: `onnxruntime-web (${towers.provider})`,
    logitScaleLog: config.logitScaleLog,
    encodeTexts: (texts) =>
      inBatches(texts, TEXT_BATCH, async (batch) => (await towers.runText(tokenize(batch))).textEmbeds),
    encodeImages: (images) =>
      inBatches(images, IMAGE_BATCH, async (batch) => {
        const pixels = preprocessImages(batch, processor);
        return (await towers.runVision(pixels.data, pixels.shape)).imageEmbeds;
      }),
    release: () => towers.release(),
  };
}

/**
 * The towers on our engine (weights recovered from the same graphs), on the CPU or WebGPU backend. Given a
 * model already built from these files (the worker's, which training shares), it uses that one; either way
 * the encoder owns the model and `release` disposes it.
 */
export function engineEncoder(
  files: ClipModelFiles,
  backend: Backend,
  model: ClipModel = loadClipModel(files, backend),
): ClipEncoder {
  const { config, tokenize, processor } = modelInputs(files);
  return {
    backend: `engine on ${backend.name}`,
    logitScaleLog: config.logitScaleLog,
    encodeTexts: async (texts) => stackRows((await model.encodeText(tokenize(texts))).map(asRow)),
    encodeImages: async (images) =>
      stackRows(
        (await model.encodeImages(images.map((image) => preprocessImage(image, processor).data))).map(asRow),
      ),
    release: async () => model.dispose(),
  };
}

const asRow = (data: Float32Array): Matrix => ({ data, rows: 1, cols: data.length });

/** Runs `embed` on consecutive slices and stacks the [rows, dim] results. */
async function inBatches<T>(
  items: readonly T[],
  size: number,
  embed: (batch: readonly T[]) => Promise<{ data: Float32Array; dims: readonly number[] }>,
): Promise<Matrix> {
  const parts: Matrix[] = [];
  for (let start = 0; start < items.length; start += size) {
    const { data, dims } = await embed(items.slice(start, start + size));
    parts.push({ data, rows: dims[0] as number, cols: dims[1] as number });
  }
  return stackRows(parts);
}
