import type { Backend } from '../backend';
import { assertShape, type Tensor } from '../tensor';

/** What a checkpoint keeps of one parameter's optimizer state. */
export interface ParamState {
  /** Updates this parameter has had: skipped steps (no gradient) do not count, as in torch. */
  readonly step: number;
  readonly slots: Readonly<Record<string, Float32Array>>;
}

/** An optimizer's state as plain arrays, so training can resume from a checkpoint. */
export interface OptimizerState {
  /** Which optimizer wrote it, so a checkpoint is never loaded into a different one. */
  readonly optimizer: string;
  readonly params: readonly ParamState[];
}

/** Updates learnable tensors in place from their gradients; its state lives on the parameters' backend. */
export interface Optimizer {
  readonly params: readonly Tensor[];
  /**
   * One update at learning rate `lr` (the schedule's value for this step). A parameter missing from
   * `grads` is left alone and its step count does not advance.
   */
  step(grads: ReadonlyMap<Tensor, Tensor>, lr: number): void;
  state(): Promise<OptimizerState>;
  loadState(state: OptimizerState): void;
  /** Frees the state tensors; the parameters stay the caller's. */
  dispose(): void;
}

/** One parameter's share of an update: its gradient, its state tensors and its step count after this step. */
export interface SlotUpdate<Slot extends string> {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly slots: Readonly<Record<Slot, Tensor>>;
  readonly step: number;
}

/**
 * The per-parameter state every optimizer here keeps: a step count and named tensors shaped like the
 * parameter, zero at the start as torch's are. Optimizers differ only in their slots and update rule.
 */
export class OptimizerSlots<Slot extends string> {
  readonly backend: Backend;
  private readonly steps: number[];
  private readonly slots: Record<Slot, Tensor>[];

  constructor(
    readonly optimizer: string,
    readonly params: readonly Tensor[],
    private readonly slotNames: readonly Slot[],
  ) {
    const first = params[0];
    if (!first) throw new Error(`${optimizer}: no parameters to optimize`);
    for (const p of params) {
      if (!p.requiresGrad) throw new Error(`${optimizer}: parameter ${p.name ?? p.id} does not require grad`);
      if (p.backend !== first.backend) throw new Error(`${optimizer}: parameters live on different backends`);
    }
    const backend = first.backend;
    this.backend = backend;
    this.steps = params.map(() => 0);
    this.slots = params.map(
      (p) =>
        Object.fromEntries(slotNames.map((name) => [name, backend.zeros(p.shape)])) as Record<Slot, Tensor>,
    );
  }

  /** The parameters that have a gradient this step, each with its step count advanced. */
  advance(grads: ReadonlyMap<Tensor, Tensor>, lr: number): SlotUpdate<Slot>[] {
    if (!Number.isFinite(lr)) throw new Error(`${this.optimizer}: learning rate must be finite, got ${lr}`);
    const updates: SlotUpdate<Slot>[] = [];
    this.params.forEach((param, i) => {
      const grad = grads.get(param);
      if (!grad) return;
      assertShape(grad, param.shape, `${this.optimizer} gradient`);
      const step = (this.steps[i] as number) + 1;
      this.steps[i] = step;
      updates.push({ param, grad, slots: this.slots[i] as Record<Slot, Tensor>, step });
    });
    return updates;
  }

  async state(): Promise<OptimizerState> {
    const params: ParamState[] = [];
    for (const [i, slots] of this.slots.entries()) {
      const values: Record<string, Float32Array> = {};
      for (const name of this.slotNames) values[name] = await slots[name].read();
      params.push({ step: this.steps[i] as number, slots: values });
    }
    return { optimizer: this.optimizer, params };
  }

  load(state: OptimizerState): void {
    if (state.optimizer !== this.optimizer) {
      throw new Error(`${this.optimizer}: cannot load state written by ${state.optimizer}`);
    }
    if (state.params.length !== this.params.length) {
      throw new Error(
        `${this.optimizer}: state has ${state.params.length} parameters, expected ${this.params.length}`,
      );
    }
    // Check everything before writing anything, so a bad checkpoint leaves the state as it was.
    state.params.forEach((saved, i) => {
      for (const name of this.slotNames) {
        if (saved.slots[name]?.length !== this.params[i]?.size) {
          throw new Error(`${this.optimizer}: slot ${name} of parameter ${i} is missing or the wrong size`);
        }
      }
    });
    state.params.forEach((saved, i) => {
      const slots = this.slots[i] as Record<Slot, Tensor>;
      for (const name of this.slotNames) this.backend.write(slots[name], saved.slots[name] as Float32Array);
      this.steps[i] = saved.step;
    });
  }

  dispose(): void {
    for (const slots of this.slots) for (const name of this.slotNames) slots[name].free();
  }
}
