import type { Backend } from '../engine/backend';
import { Random } from '../engine/random';
import { sizeOf, type Tensor } from '../engine/tensor';

/**
 * A method's learnable tensors, drawn in order from one seeded stream the way PyTorch initialises the
 * modules the reference builds, and kept by name (the reference's state-dict names).
 */
export class Learnables {
  readonly tensors = new Map<string, Tensor>();
  private readonly random: Random;

  constructor(
    private readonly backend: Backend,
    seed: number,
  ) {
    this.random = new Random(seed);
  }

  /** nn.init.normal_(std=std). */
  normal(name: string, shape: readonly number[], std: number): Tensor {
    return this.add(name, shape, this.random.normals(sizeOf(shape), std));
  }

  /** nn.init.uniform_(−bound, bound). */
  uniform(name: string, shape: readonly number[], bound: number): Tensor {
    const values = Float32Array.from({ length: sizeOf(shape) }, () => this.random.uniform(-bound, bound));
    return this.add(name, shape, values);
  }

  fill(name: string, shape: readonly number[], value: number): Tensor {
    return this.add(name, shape, new Float32Array(sizeOf(shape)).fill(value));
  }

  /** torch.nn.Linear's default: weight [out, in] and bias [out] uniform in ±1/√in (kaiming_uniform, a = √5). */
  linear(prefix: string, out: number, inFeatures: number, options: { bias?: boolean } = {}): void {
    const bound = 1 / Math.sqrt(inFeatures);
    this.uniform(`${prefix}.weight`, [out, inFeatures], bound);
    if (options.bias ?? true) this.uniform(`${prefix}.bias`, [out], bound);
  }

  /** torch.nn.LayerNorm's: gain 1, shift 0. */
  layerNorm(prefix: string, width: number): void {
    this.fill(`${prefix}.weight`, [width], 1);
    this.fill(`${prefix}.bias`, [width], 0);
  }

  /** Puts a tensor computed elsewhere under `name` (learnable from now on), freeing the one it replaces. */
  set(name: string, t: Tensor): void {
    this.tensors.get(name)?.free();
    t.requiresGrad = true;
    t.name = name;
    this.tensors.set(name, t);
  }

  private add(name: string, shape: readonly number[], values: ArrayLike<number>): Tensor {
    const t = this.backend.tensor(shape, values, { requiresGrad: true, name });
    this.tensors.set(name, t);
    return t;
  }
}

/** The learnable `name` of a method's map; throws naming it when missing. */
export function learnable(learnables: ReadonlyMap<string, Tensor>, name: string): Tensor {
  const t = learnables.get(name);
  if (!t) throw new Error(`learnables: no tensor '${name}'`);
  return t;
}
