/** A method's logits over many images, in batches, and the accuracy report of a labelled set. */
import { type AccuracyReport, accuracy, type Matrix, stackRows, topK } from '../clip/zero-shot';
import type { Backend } from '../engine/backend';
import { Tape } from '../engine/tape';
import type { PromptMethod } from '../methods/method';
import type { InputSource } from './inputs';
import type { InputImage } from './task-data';

export const EVAL_BATCH_SIZE = 32;

export interface EvaluationReport extends AccuracyReport {
  /** confusion[true class][predicted class]: image counts. */
  confusion: number[][];
}

/**
 * logits [images, classes] of the clean views. The classifier (class text features, prompts) is built once;
 * each batch runs on its own tape, so only one batch's activations are alive at a time.
 */
export async function methodLogits(
  backend: Backend,
  method: PromptMethod,
  inputs: InputSource,
  images: readonly InputImage[],
  batchSize = EVAL_BATCH_SIZE,
): Promise<Matrix> {
  const outer = new Tape(backend, false);
  const parts: Matrix[] = [];
  try {
    const classifier = method.classifier(outer);
    for (let start = 0; start < images.length; start += batchSize) {
      const tape = new Tape(backend, false);
      try {
        const x = tape.track(inputs.batch(backend, images.slice(start, start + batchSize), null));
        const logits = classifier.logits(tape, x);
        const [rows, cols] = logits.shape as [number, number];
        parts.push({ data: await logits.read(), rows, cols });
      } finally {
        tape.dispose();
      }
    }
  } finally {
    outer.dispose();
  }
  return stackRows(parts);
}

/** Accuracy (top-1, top-k, per class) and the confusion matrix. */
export function evaluationReport(logits: Matrix, labels: readonly number[]): EvaluationReport {
  const report = accuracy(logits, labels);
  const confusion = Array.from({ length: logits.cols }, () => new Array<number>(logits.cols).fill(0));
  const predicted = topK(logits, 1);
  labels.forEach((label, i) => {
    const row = confusion[label] as number[];
    const guess = predicted[i]?.[0] as number;
    row[guess] = (row[guess] as number) + 1;
  });
  return { ...report, confusion };
}
