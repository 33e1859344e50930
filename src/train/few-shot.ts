/**
 * K-shot sampling (CoOp's `generate_fewshot_dataset`: K images per class drawn without replacement from the
 * train pool, all of a class's images when it has fewer) and a held-out validation share of it, as MVLPT
 * selects checkpoints: 20% of each class's shots, at least one when K ≥ 2. K = 1 has no validation split:
 * holding out a class's only shot would leave nothing to train that class on, so a 1-shot run keeps its
 * last epoch instead of its best.
 */

import { stream } from './seeds';
import type { LabelledExample } from './task-data';

export interface FewShotSplit {
  train: LabelledExample[];
  validation: LabelledExample[];
  /** Classes with fewer than K images in the pool: they contribute all they have. */
  shortClasses: { name: string; available: number }[];
}

/** How many of a class's `shots` sampled images are held out for validation. */
export function validationShare(shots: number): number {
  return shots < 2 ? 0 : Math.max(1, Math.round(0.2 * shots));
}

/**
 * Samples `shots` images per class from `pool` with the stream (seed, class index), so a class's sample
 * depends on the seed and its own images only. Throws naming a class with no image in the pool.
 */
export function sampleFewShot(
  pool: readonly LabelledExample[],
  classes: readonly string[],
  shots: number,
  seed: number,
): FewShotSplit {
  if (!Number.isInteger(shots) || shots < 1)
    throw new RangeError(`shots must be a whole number ≥ 1, got ${shots}`);
  const byClass = classes.map((): LabelledExample[] => []);
  for (const example of pool) {
    const list = byClass[example.label];
    if (!list)
      throw new Error(`image ${example.id} has label ${example.label}, outside 0..${classes.length - 1}`);
    list.push(example);
  }
  const split: FewShotSplit = { train: [], validation: [], shortClasses: [] };
  byClass.forEach((images, label) => {
    const name = classes[label] as string;
    if (images.length === 0) throw new Error(`class "${name}" has no training images`);
    if (images.length < shots) split.shortClasses.push({ name, available: images.length });
    const sampled = stream(seed, 'few-shot', label).shuffle(images).slice(0, shots);
    const held = validationShare(sampled.length);
    split.validation.push(...sampled.slice(0, held));
    split.train.push(...sampled.slice(held));
  });
  return split;
}
