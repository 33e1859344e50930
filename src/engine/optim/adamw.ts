import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { f32, u32 } from '../gpu/pipeline-cache';
import type { Floats, Tensor } from '../tensor';
import source from './adamw.wgsl?raw';
import { type Optimizer, OptimizerSlots, type OptimizerState, type SlotUpdate } from './optimizer';

/** torch.optim.AdamW's options (amsgrad not supported); the defaults are torch's. */
export interface AdamWOptions {
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

type AdamWSettings = Required<AdamWOptions>;

/** The scalars of one step, computed in doubles on the host as torch does. `step` counts from 1. */
export function adamwStepScalars(lr: number, step: number, { betas, weightDecay }: AdamWSettings) {
  return {
    decay: 1 - lr * weightDecay,
    stepSize: lr / (1 - betas[0] ** step),
    biasCorrection2Sqrt: Math.sqrt(1 - betas[1] ** step),
  };
}

// ---- CPU reference ----

/**
 * One AdamW step in place over N values, as torch.optim.AdamW: p *= 1 − lr·wd; m = β1·m + (1−β1)·g;
 * v = β2·v + (1−β2)·g²; p −= lr/(1−β1^t) · m / (√v / √(1−β2^t) + eps). `step` (t) counts from 1.
 */
export function adamwStepRef(
  param: Floats,
  grad: ArrayLike<number>,
  expAvg: Floats,
  expAvgSq: Floats,
  lr: number,
  step: number,
  settings: AdamWSettings,
): void {
  const [beta1, beta2] = settings.betas;
  const { decay, stepSize, biasCorrection2Sqrt } = adamwStepScalars(lr, step, settings);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] as number;
    const m = beta1 * (expAvg[i] as number) + (1 - beta1) * g;
    const v = beta2 * (expAvgSq[i] as number) + (1 - beta2) * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] =
      (param[i] as number) * decay - (stepSize * m) / (Math.sqrt(v) / biasCorrection2Sqrt + settings.eps);
  }
}

// ---- kernel ----

const adamwKernel = { label: 'adamw', source, entryPoint: 'adamw_step' };

type Slot = 'expAvg' | 'expAvgSq';

const adamwStep: Kernel<{ updates: readonly SlotUpdate<Slot>[]; lr: number; settings: AdamWSettings }, void> =
  {
    cpu(be, { updates, lr, settings }) {
      for (const { param, grad, slots, step } of updates) {
        adamwStepRef(
          be.data(param),
          be.data(grad),
          be.data(slots.expAvg),
          be.data(slots.expAvgSq),
          lr,
          step,
          settings,
        );
      }
    },
    gpu(be, { updates, lr, settings }) {
      const [beta1, beta2] = settings.betas;
      // Parameters share a step count unless some were skipped: one upload per distinct count, usually one.
      const scalarsByStep = new Map<number, Tensor>();
      for (const { param, grad, slots, step } of updates) {
        let scalars = scalarsByStep.get(step);
        if (!scalars) {
          const s = adamwStepScalars(lr, step, settings);
          scalars = be.tensor([3], [s.decay, s.stepSize, s.biasCorrection2Sqrt]);
          scalarsByStep.set(step, scalars);
        }
        const constants = {
          N: u32(param.size),
          BETA1: f32(beta1),
          BETA2: f32(beta2),
          ONE_MINUS_BETA1: f32(1 - beta1),
          ONE_MINUS_BETA2: f32(1 - beta2),
          EPS: f32(settings.eps),
        };
        const bindings = [param, grad, slots.expAvg, slots.expAvgSq, scalars];
        be.dispatch(adamwKernel, constants, bindings, grid1d(param.size, 256));
      }
      for (const scalars of scalarsByStep.values()) scalars.free();
    },
  };

// ---- optimizer ----

export class AdamW implements Optimizer {
  private readonly slots: OptimizerSlots<Slot>;
  private readonly settings: AdamWSettings;

  constructor(
    readonly params: readonly Tensor[],
    options: AdamWOptions = {},
  ) {
    this.settings = {
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 1e-2,
    };
    this.slots = new OptimizerSlots('adamw', params, ['expAvg', 'expAvgSq']);
  }

  step(grads: ReadonlyMap<Tensor, Tensor>, lr: number): void {
    const updates = this.slots.advance(grads, lr);
    if (updates.length > 0)
      runKernel(adamwStep, this.slots.backend, { updates, lr, settings: this.settings });
  }

  state(): Promise<OptimizerState> {
    return this.slots.state();
  }

  loadState(state: OptimizerState): void {
    this.slots.load(state);
  }

  dispose(): void {
    this.slots.dispose();
  }
}
