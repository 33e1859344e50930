/** How a run trains: a method's recipe (catalog.ts) with a run's overrides, checked before anything runs. */
import type { TrainingDefaults } from '../methods/method';

export interface TrainingConfig extends TrainingDefaults {
  /** Pixel methods: CoOp's random resized crop and flip on training images; off, the clean view. */
  augment: boolean;
}

/** A method's training recipe with `overrides` over it, each value checked. */
export function resolveConfig(
  defaults: TrainingDefaults,
  overrides: Partial<TrainingConfig> = {},
): TrainingConfig {
  const config: TrainingConfig = { ...defaults, augment: true };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  const whole = (name: keyof TrainingConfig, min: number) => {
    const v = config[name] as number;
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  whole('epochs', 1);
  whole('batchSize', 1);
  whole('warmupEpochs', 0);
  for (const name of ['learningRate', 'warmupLearningRate', 'weightDecay', 'momentum'] as const) {
    if (!Number.isFinite(config[name]) || config[name] < 0) {
      throw new RangeError(`${name} must be a number ≥ 0, got ${config[name]}`);
    }
  }
  if (config.optimizer !== 'sgd' && config.optimizer !== 'adamw') {
    throw new RangeError(`optimizer must be sgd or adamw, got ${config.optimizer}`);
  }
  return config;
}
