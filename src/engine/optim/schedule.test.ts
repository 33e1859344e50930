import { describe, expect, it } from 'vitest';
import fixture from './fixtures/optimizers.json';
import { cosineWithConstantWarmup, linearWarmupCosine } from './schedule';

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

describe('linearWarmupCosine', () => {
  const schedule = linearWarmupCosine({ baseLr: 0.01, totalSteps: 100, warmupSteps: 10, minLr: 1e-4 });

  it('ramps from 0 and anneals to the minimum at totalSteps', () => {
    expect(schedule(0)).toBe(0);
    expect(schedule(9)).toBeCloseTo(0.009, 15); // last warm-up step
    expect(schedule(10)).toBe(0.01); // first cosine step
    expect(schedule(99)).toBeCloseTo(1e-4 + 0.5 * (0.01 - 1e-4) * (1 + Math.cos((Math.PI * 89) / 90)), 15);
    expect(schedule(100)).toBeCloseTo(1e-4, 15);
    expect(schedule(250)).toBeCloseTo(1e-4, 15);
  });

  it('anneals to 0 by default and accepts no warm-up', () => {
    const plain = linearWarmupCosine({ baseLr: 0.5, totalSteps: 4, warmupSteps: 0 });
    const expected = [0.5, 0.25 * (1 + Math.SQRT1_2), 0.25, 0.25 * (1 - Math.SQRT1_2), 0];
    for (const [step, lr] of expected.entries()) expect(plain(step)).toBeCloseTo(lr, 15);
  });

  it('rejects steps that are not counts', () => {
    expect(() => schedule(-1)).toThrow(RangeError);
    expect(() => schedule(1.5)).toThrow(RangeError);
  });
});
