import type { Backend } from '../engine/backend';
import { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import { type HostTensor, recoverTowerWeights } from './clip-weights';
import { type ClipConfig, parseClipConfig } from './config';
import type { ClipModelFiles } from './model-files';
import { decodeOnnxModel } from './onnx/onnx-model';
import { TextTower } from './text-tower';
import { VisionTower } from './vision-tower';

/** What loading needs of a Hub CLIP's files (see model-files.ts). */
export type ClipGraphFiles = Pick<ClipModelFiles, 'config' | 'textModel' | 'visionModel' | 'externalData'>;

export interface ClipCheckpoint {
  config: ClipConfig;
  /** Every parameter of both towers under its HF name and in HF's layout. */
  weights: Map<string, HostTensor>;
}

/** Decodes both graphs and recovers every parameter, checked against config.json. */
export function readClipCheckpoint(files: ClipGraphFiles): ClipCheckpoint {
  const config = parseClipConfig(files.config);
  const tower = (bytes: Uint8Array, which: 'text' | 'vision', label: string) => {
    const model = decodeOnnxModel(bytes, { externalData: files.externalData, label });
    return recoverTowerWeights(model.graph, config, which, label);
  };
  const weights = new Map([
    ...tower(files.textModel, 'text', 'onnx/text_model.onnx'),
    ...tower(files.visionModel, 'vision', 'onnx/vision_model.onnx'),
  ]);
  return { config, weights };
}

/** Reads a Hub CLIP export and puts its frozen towers on `backend`. */
export function loadClipModel(files: ClipGraphFiles, backend: Backend): ClipModel {
  const { config, weights } = readClipCheckpoint(files);
  return new ClipModel(backend, config, weights);
}

/** Batches bound the activations alive at once; the towers free each batch's before the next. */
const DEFAULT_TEXT_BATCH = 64;
const DEFAULT_IMAGE_BATCH = 16;

/** Both frozen towers of a CLIP on one backend, and its temperature. */
export class ClipModel {
  readonly text: TextTower;
  readonly vision: VisionTower;
  /** exp(logit_scale): the multiplier of cosine similarities in CLIP's logits. */
  readonly logitScale: number;
  private readonly tensors: Tensor[];

  constructor(
    readonly backend: Backend,
    readonly config: ClipConfig,
    weights: ReadonlyMap<string, HostTensor>,
  ) {
    const device = new Map(
      [...weights].map(([name, host]) => [name, backend.tensor(host.shape, host.data, { name })] as const),
    );
    this.tensors = [...device.values()];
    this.text = new TextTower(config.text, device);
    this.vision = new VisionTower(config.vision, device);
    this.logitScale = Math.exp(config.logitScaleLog);
  }

  /** Tokenised texts [N][T] (padded to a common T) → N text embeddings, not normalised. */
  async encodeText(
    ids: readonly (readonly number[])[],
    options: { batchSize?: number } = {},
  ): Promise<Float32Array[]> {
    return this.inBatches(ids, options.batchSize ?? DEFAULT_TEXT_BATCH, (tape, batch) => {
      return this.text.forward(tape, batch).textEmbeds;
    });
  }

  /** Preprocessed images, each pixel_values [channels, S, S] (CHW) → N image embeddings, not normalised. */
  async encodeImages(
    images: readonly Float32Array[],
    options: { batchSize?: number } = {},
  ): Promise<Float32Array[]> {
    const { channels, imageSize } = this.config.vision;
    const size = channels * imageSize * imageSize;
    const bad = images.findIndex((image) => image.length !== size);
    if (bad >= 0) {
      throw new Error(
        `encodeImages: image ${bad} has ${images[bad]?.length} values, expected ${channels}×${imageSize}×${imageSize}`,
      );
    }
    return this.inBatches(images, options.batchSize ?? DEFAULT_IMAGE_BATCH, (tape, batch) => {
      const pixels = new Float32Array(batch.length * size);
      for (const [i, image] of batch.entries()) pixels.set(image, i * size);
      const input = tape.track(this.backend.tensor([batch.length, channels, imageSize, imageSize], pixels));
      return this.vision.forward(tape, input).imageEmbeds;
    });
  }

  /** Frees the weights; the model is unusable afterwards. */
  dispose(): void {
    for (const t of this.tensors) t.free();
  }

  /** Runs `encode` on consecutive batches without recording, returning one row per item. */
  private async inBatches<T>(
    items: readonly T[],
    batchSize: number,
    encode: (tape: Tape, batch: readonly T[]) => Tensor,
  ): Promise<Float32Array[]> {
    const rows: Float32Array[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const tape = new Tape(this.backend, false);
      try {
        const out = encode(tape, items.slice(start, start + batchSize));
        const values = await out.read();
        const width = out.shape[1] as number;
        for (let r = 0; r < (out.shape[0] as number); r++)
          rows.push(values.slice(r * width, (r + 1) * width));
      } finally {
        tape.dispose();
      }
    }
    return rows;
  }
}
