/**
 * Prompts that enter the towers' layers, as VPT (Jia et al.) and MVLPT (sIncerass/MVLPT
 * `trainers/mvlpt.py`, ImageEncoder) put them into CLIP: in the image tower after the patch embeddings,
 * positions and pre_layrnorm, between CLS and the patches, without position embeddings,
 * x = [cls, prompts, patches]; deep prompts replace the previous layer's outputs at the prompt positions
 * before each later layer. Deep text prompts (MuDPT) are swapped in the same way at the context positions.
 */
import type { VisionTower } from '../clip/vision-tower';
import { concatTokens, replaceTokens, sliceTokens } from '../engine/ops/tokens';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';

/**
 * A `beforeLayer` hook: before layer i, 1 ≤ i ≤ D, the `length` tokens at `at` are replaced by tokens
 * [(i−1)·length, i·length) of `deep`, the D deeper layers' prompts as one sequence [1, D·length, C].
 * Tokens are replaced, never inserted, so every other position (a text's end-of-text) stays put. Layer 0
 * and the layers past D run on what the previous layer made of the prompts.
 */
export function deepPromptReplacer(
  tape: Tape,
  deep: Tensor,
  at: number,
  length: number,
): (index: number, x: Tensor) => Tensor {
  const layers = (deep.shape[1] as number) / length;
  return (index, x) => {
    if (index === 0 || index > layers) return x;
    const prompts = sliceTokens(tape, deep, (index - 1) * length, length);
    const replaced = replaceTokens(tape, x, at, prompts);
    tape.release(prompts);
    return replaced;
  };
}

/**
 * pixel_values [B, 3, S, S] → image embeddings [B, projection] with `shallow` prompts [1, p, C] (or [p, C])
 * in front of the patches and, when given, `deep` [1, D·p, C] replacing them before layers 1..D.
 */
export function promptedImageFeatures(
  tape: Tape,
  vision: VisionTower,
  pixels: Tensor,
  shallow: Tensor,
  deep: Tensor | null,
): Tensor {
  const p = shallow.shape[shallow.shape.length - 2] as number;
  const embedded = vision.embed(tape, pixels);
  const tokens = embedded.shape[1] as number;
  const cls = sliceTokens(tape, embedded, 0, 1);
  const patches = sliceTokens(tape, embedded, 1, tokens - 1);
  tape.release(embedded);
  const x = concatTokens(tape, [cls, shallow, patches]);
  tape.release(cls);
  tape.release(patches);
  const hidden = vision.forwardLayers(tape, x, {
    beforeLayer: deep ? deepPromptReplacer(tape, deep, 1, p) : undefined,
  });
  if (hidden !== x) tape.release(x);
  const imageEmbeds = vision.pool(tape, hidden);
  tape.release(hidden);
  return imageEmbeds;
}
