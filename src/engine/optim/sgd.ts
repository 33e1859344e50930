import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { bool, f32, u32 } from '../gpu/pipeline-cache';
import type { Floats, Tensor } from '../tensor';
import { type Optimizer, OptimizerSlots, type OptimizerState, type SlotUpdate } from './optimizer';
import source from './sgd.wgsl?raw';

/** torch.optim.SGD's options (dampening is always 0); the defaults are torch's. */
export interface SgdOptions {
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

type SgdSettings = Required<SgdOptions>;

// ---- CPU reference ----

/**
 * One SGD step in place over N values, as torch.optim.SGD: g = grad + wd·p; buf = momentum·buf + g (buf
 * starts at zero, so the first step stores g as torch's clone does); p -= lr·buf, or lr·(g + momentum·buf)
 * with Nesterov.
 */
export function sgdStepRef(
  param: Floats,
  grad: ArrayLike<number>,
  momentumBuffer: Floats,
  lr: number,
  { momentum, weightDecay, nesterov }: SgdSettings,
): void {
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    const g = (grad[i] as number) + weightDecay * p;
    const buf = momentum * (momentumBuffer[i] as number) + g;
    momentumBuffer[i] = buf;
    param[i] = p - lr * (nesterov ? g + momentum * buf : buf);
  }
}

// ---- kernel ----

const sgdKernel = { label: 'sgd', source, entryPoint: 'sgd_step' };

type Slot = 'momentumBuffer';

const sgdStep: Kernel<{ updates: readonly SlotUpdate<Slot>[]; lr: number; settings: SgdSettings }, void> = {
  cpu(be, { updates, lr, settings }) {
    for (const { param, grad, slots } of updates) {
      sgdStepRef(be.data(param), be.data(grad), be.data(slots.momentumBuffer), lr, settings);
    }
  },
  gpu(be, { updates, lr, settings }) {
    const scalars = be.tensor([1], [lr]);
    for (const { param, grad, slots } of updates) {
      const constants = {
        N: u32(param.size),
        MOMENTUM: f32(settings.momentum),
        WEIGHT_DECAY: f32(settings.weightDecay),
        NESTEROV: bool(settings.nesterov),
      };
      be.dispatch(
        sgdKernel,
        constants,
        [param, grad, slots.momentumBuffer, scalars],
        grid1d(param.size, 256),
      );
    }
    scalars.free();
  },
};

// ---- optimizer ----

export class Sgd implements Optimizer {
  private readonly slots: OptimizerSlots<Slot>;
  private readonly settings: SgdSettings;

  constructor(
    readonly params: readonly Tensor[],
    options: SgdOptions = {},
  ) {
    this.settings = {
      momentum: options.momentum ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
    };
    if (this.settings.nesterov && this.settings.momentum <= 0)
      throw new Error('sgd: Nesterov needs momentum');
    this.slots = new OptimizerSlots('sgd', params, ['momentumBuffer']);
  }

  step(grads: ReadonlyMap<Tensor, Tensor>, lr: number): void {
    const updates = this.slots.advance(grads, lr);
    if (updates.length > 0) runKernel(sgdStep, this.slots.backend, { updates, lr, settings: this.settings });
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
