/** What the studio shows of a loaded CLIP: its shape, read from config.json, as plain data. */
import type { ClipConfig } from './config';

export interface TowerSummary {
  width: number;
  layers: number;
  heads: number;
  mlpWidth: number;
}

export interface ModelSummary {
  /** What the user picked: "embedded", a Hub id, or the dropped folder. */
  id: string;
  text: TowerSummary & { contextLength: number; vocabSize: number };
  vision: TowerSummary & { imageSize: number; patchSize: number; tokens: number };
  projectionDim: number;
  /** exp(logit_scale): the multiplier of cosine similarities. */
  logitScale: number;
  /** Parameters of both towers, from the shapes in the config (embeddings, layers, norms, projections). */
  parameters: number;
  /** Bytes of the two ONNX graphs and their external data. */
  graphBytes: number;
}

function towerParameters(width: number, mlpWidth: number, layers: number): number {
  const attention = 4 * (width * width + width);
  const mlp = width * mlpWidth + mlpWidth + mlpWidth * width + width;
  const norms = 2 * 2 * width;
  return layers * (attention + mlp + norms);
}

export function summarizeModel(id: string, config: ClipConfig, graphBytes: number): ModelSummary {
  const { text, vision, projectionDim } = config;
  const grid = vision.imageSize / vision.patchSize;
  const tokens = grid * grid + 1;
  const textParameters =
    text.vocabSize * text.hiddenSize +
    text.maxPositions * text.hiddenSize +
    towerParameters(text.hiddenSize, text.intermediateSize, text.layers) +
    2 * text.hiddenSize +
    text.hiddenSize * projectionDim;
  const visionParameters =
    vision.channels * vision.patchSize * vision.patchSize * vision.hiddenSize +
    vision.hiddenSize +
    tokens * vision.hiddenSize +
    2 * 2 * vision.hiddenSize +
    towerParameters(vision.hiddenSize, vision.intermediateSize, vision.layers) +
    vision.hiddenSize * projectionDim;
  return {
    id,
    text: {
      width: text.hiddenSize,
      layers: text.layers,
      heads: text.heads,
      mlpWidth: text.intermediateSize,
      contextLength: text.maxPositions,
      vocabSize: text.vocabSize,
    },
    vision: {
      width: vision.hiddenSize,
      layers: vision.layers,
      heads: vision.heads,
      mlpWidth: vision.intermediateSize,
      imageSize: vision.imageSize,
      patchSize: vision.patchSize,
      tokens,
    },
    projectionDim,
    logitScale: Math.exp(config.logitScaleLog),
    parameters: textParameters + visionParameters + 1,
    graphBytes,
  };
}
