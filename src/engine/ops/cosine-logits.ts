import type { Tape } from '../tape';
import { shapeString, type Tensor } from '../tensor';
import { l2Normalize } from './l2-normalize';
import { matmul } from './matmul';

/**
 * CLIP's zero-shot head: logitScale · cos(image, text) for every pair, i.e. normalize(img)·normalize(txt)ᵀ
 * scaled. imageFeatures is [B, D], textFeatures [K, D]; returns [B, K]. The backward comes from the tape
 * through the two ops it is made of.
 */
export function cosineLogits(
  tape: Tape,
  imageFeatures: Tensor,
  textFeatures: Tensor,
  logitScale: number,
): Tensor {
  if (
    imageFeatures.shape.length !== 2 ||
    textFeatures.shape.length !== 2 ||
    imageFeatures.shape[1] !== textFeatures.shape[1]
  ) {
    throw new Error(
      `cosineLogits: image features ${shapeString(imageFeatures.shape)} and text features ${shapeString(textFeatures.shape)} must be [B, D] and [K, D]`,
    );
  }
  const image = l2Normalize(tape, imageFeatures);
  const text = l2Normalize(tape, textFeatures);
  const logits = matmul(tape, image, text, { transB: true, alpha: logitScale });
  // Evaluation keeps no graph: the normalized copies can go at once (a no-op when a backward reads them).
  tape.release(image);
  tape.release(text);
  return logits;
}
