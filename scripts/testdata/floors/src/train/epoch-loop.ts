import type { TrainerConfig } from './trainer';

export interface EpochReport {
  config: TrainerConfig;
}
