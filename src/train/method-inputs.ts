import type { MethodInput } from '../methods/method';
import { FeatureCache, featureInputs } from './feature-cache';
import type { FrozenClip } from './frozen-clip';
import { type InputSource, pixelInputs } from './inputs';

/**
 * What a method reads of each image (MethodInput), chosen in one place for every run that scores images
 * (the trainers, the transfer study, predict): the frozen tower's features from `cache` (one made when none
 * is shared), which the caller fills with the images it will score; or pixels preprocessed at each use,
 * augmented when `augment`.
 */
export function methodInputs(
  clip: FrozenClip,
  input: MethodInput,
  cache: FeatureCache | undefined,
  augment: boolean,
): { inputs: InputSource; cache: FeatureCache | null } {
  if (input === 'pixels') return { inputs: pixelInputs(clip, augment), cache: null };
  const features = cache ?? new FeatureCache(clip);
  return { inputs: featureInputs(features), cache: features };
}
