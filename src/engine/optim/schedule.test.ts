import { describe, expect, it } from 'vitest';
import fixture from './fixtures/optimizers.json';
import { cosineWithConstantWarmup } from './schedule';

describe('cosineWithConstantWarmup', () => {
  // CoOp's ViT-B/16 50-epoch configuration, with 4 optimizer steps per epoch.
  const coop = cosineWithConstantWarmup({
    baseLr: 0.002,
    totalEpochs: 50,
    warmupEpochs: 1,
    warmupLr: 1e-5,
    stepsPerEpoch: 4,
  });

  it('holds the warm-up rate, then restarts the cosine count at the full base rate', () => {
    expect(coop(0)).toBe(1e-5);
    expect(coop(3)).toBe(1e-5); // last warm-up step
    expect(coop(4)).toBe(0.002); // first cosine step: cosine index 0
    expect(coop(7)).toBe(0.002); // constant within the epoch
    expect(coop(8)).toBeCloseTo(0.001 * (1 + Math.cos(Math.PI / 50)), 15);
    // Final step: epoch 49 runs at cosine index 48 of T_max = 50, so the rate never reaches 0.
    expect(coop(50 * 4 - 1)).toBeCloseTo(0.001 * (1 + Math.cos((48 * Math.PI) / 50)), 15);
  });

  it.each(fixture.schedules)('matches Dassl on torch: $totalEpochs epochs, $warmupEpochs warm-up', (s) => {
    const stepsPerEpoch = 3;
    const schedule = cosineWithConstantWarmup({ ...s, stepsPerEpoch });
    s.epochLrs.forEach((lr, epoch) => {
      for (let j = 0; j < stepsPerEpoch; j++) {
        expect(Math.abs(schedule(epoch * stepsPerEpoch + j) - lr)).toBeLessThanOrEqual(1e-12 * s.baseLr);
      }
    });
  });
});

describe('the schedules’ step counts', () => {
  it('rejects steps that are not counts', () => {
    const schedule = cosineWithConstantWarmup({
      baseLr: 0.01,
      totalEpochs: 10,
      warmupEpochs: 1,
      warmupLr: 1e-5,
      stepsPerEpoch: 10,
    });
    expect(() => schedule(-1)).toThrow(RangeError);
    expect(() => schedule(1.5)).toThrow(RangeError);
  });
});
