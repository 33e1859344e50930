/** The learning rate of optimizer step `step`, counted from 0 (the update about to be taken). */
export type LrSchedule = (step: number) => number;

function requireCount(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${what} must be an integer ≥ ${min}, got ${value}`);
}

/** Half a cosine from `from` (progress 0) down to `to` (progress 1), held at `to` beyond. */
function cosineAnneal(from: number, to: number, progress: number): number {
  return to + ((from - to) * (1 + Math.cos(Math.PI * Math.min(progress, 1)))) / 2;
}

export interface CosineWithConstantWarmupOptions {
  baseLr: number;
  totalEpochs: number;
  warmupEpochs: number;
  /** CoOp uses 1e-5. */
  warmupLr: number;
  stepsPerEpoch: number;
}

/**
 * CoOp's schedule, as Dassl builds it (`build_lr_scheduler`: CosineAnnealingLR(T_max = max epoch, eta_min 0)
 * wrapped in ConstantWarmupScheduler) and steps it (`update_lr()` after the last batch of each epoch, so
 * the rate is constant within an epoch). Matched against torch in fixtures/optimizers.py:
 * - epochs 0 … W−1 run at `warmupLr`;
 * - WARMUP_RECOUNT is Dassl's default and CoOp keeps it, so the cosine restarts its count after warm-up:
 *   epoch e ≥ W runs at cosine(e − W) over T_max = totalEpochs (not totalEpochs − W). Epoch W runs at the full
 *   `baseLr`, and the cosine never reaches 0: CoOp's 50-epoch run ends at 7.9e-6 with baseLr 0.002;
 * - W = 0 (Dassl then builds no wrapper) is the plain cosine from epoch 0, the same formula.
 * torch evaluates the cosine recursively; the closed form here agrees with it to rounding.
 */
export function cosineWithConstantWarmup(options: CosineWithConstantWarmupOptions): LrSchedule {
  const { baseLr, totalEpochs, warmupEpochs, warmupLr, stepsPerEpoch } = options;
  requireCount('totalEpochs', totalEpochs, 1);
  requireCount('warmupEpochs', warmupEpochs, 0);
  requireCount('stepsPerEpoch', stepsPerEpoch, 1);
  return (step) => {
    requireCount('step', step, 0);
    const epoch = Math.floor(step / stepsPerEpoch);
    if (epoch < warmupEpochs) return warmupLr;
    return cosineAnneal(baseLr, 0, (epoch - warmupEpochs) / totalEpochs);
  };
}
