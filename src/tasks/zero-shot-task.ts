/**
 * Zero-shot classification of one task's images, image by image: the accuracy the CLI reports plus each
 * image's most probable classes, for a page to show. Works through any ClipEncoder (engine or onnxruntime)
 * and any image loader (fetched in the browser, read in Node).
 */
import type { ClipEncoder } from '../clip/clip-encoder';
import type { RgbaImage } from '../clip/preprocess';
import {
  type AccuracyReport,
  accuracy,
  classPrompts,
  classTextFeatures,
  type Matrix,
  rankClasses,
  stackRows,
  zeroShotLogits,
} from '../clip/zero-shot';
import type { TaskImage } from './task-files';

export interface ClassProbability {
  label: number;
  probability: number;
}

export interface ImagePrediction {
  image: TaskImage;
  /** The most probable classes, most probable first (ties: the lower label first, as argmax). */
  top: ClassProbability[];
}

export interface ZeroShotTaskResult {
  accuracy: AccuracyReport;
  predictions: ImagePrediction[];
}

export interface ZeroShotProgress {
  stage: 'texts' | 'images';
  done: number;
  total: number;
}

/** Images decoded and encoded at a time: progress moves in these steps, and memory stays bounded. */
const IMAGE_CHUNK = 16;

/** Softmax of each row of logits, its `k` largest entries. */
export function topProbabilities(logits: Matrix, k: number): ClassProbability[][] {
  return rankClasses(logits, k).map((row) => row.map(({ label, probability }) => ({ label, probability })));
}

export async function zeroShotTask(options: {
  encoder: ClipEncoder;
  classes: readonly string[];
  templates: readonly string[];
  images: readonly TaskImage[];
  loadImage: (image: TaskImage) => Promise<RgbaImage>;
  topK?: number;
  onProgress?: (progress: ZeroShotProgress) => void;
}): Promise<ZeroShotTaskResult> {
  const { encoder, classes, templates, images, loadImage, onProgress } = options;
  onProgress?.({ stage: 'texts', done: 0, total: classes.length });
  const classFeatures = classTextFeatures(
    await encoder.encodeTexts(classPrompts(classes, templates)),
    templates.length,
  );
  const chunks: Matrix[] = [];
  for (let start = 0; start < images.length; start += IMAGE_CHUNK) {
    onProgress?.({ stage: 'images', done: start, total: images.length });
    const decoded = await Promise.all(images.slice(start, start + IMAGE_CHUNK).map(loadImage));
    chunks.push(await encoder.encodeImages(decoded));
  }
  onProgress?.({ stage: 'images', done: images.length, total: images.length });
  const logits = zeroShotLogits(stackRows(chunks), classFeatures, encoder.logitScaleLog);
  const top = topProbabilities(logits, Math.min(options.topK ?? 3, classes.length));
  return {
    accuracy: accuracy(
      logits,
      images.map((image) => image.label),
    ),
    predictions: images.map((image, i) => ({ image, top: top[i] as ClassProbability[] })),
  };
}
