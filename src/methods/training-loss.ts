import { softmaxCrossEntropy } from '../engine/ops/cross-entropy';
import { add } from '../engine/ops/elementwise';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import type { PromptMethod } from './method';

/**
 * What a method trains on, one batch: its logits [B, K] and the loss [1], the batch's mean cross-entropy
 * plus the classifier's penalty where it has one (KgCoOp). `classMask` (multitask runs) leaves each
 * sample's other tasks' classes out of its cross-entropy. The trainers and the gradient check share it, so
 * the check sees the loss training descends.
 */
export function trainingLoss(
  tape: Tape,
  method: PromptMethod,
  images: Tensor,
  labels: readonly number[],
  classMask?: Uint8Array,
): { logits: Tensor; loss: Tensor } {
  const classifier = method.classifier(tape);
  const logits = classifier.logits(tape, images);
  const crossEntropy = softmaxCrossEntropy(tape, logits, labels, classMask);
  if (!classifier.penalty) return { logits, loss: crossEntropy };
  const loss = add(tape, crossEntropy, classifier.penalty);
  tape.release(crossEntropy);
  return { logits, loss };
}
