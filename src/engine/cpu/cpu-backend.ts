import type { MemoryStats } from '../backend';
import { type Shape, sizeOf, Tensor } from '../tensor';

/**
 * Float32Array tensors computed by the ops' CPU references. It is the test oracle for the GPU kernels
 * and the fallback where WebGPU is missing.
 */
export class CpuBackend {
  readonly kind = 'cpu' as const;
  readonly name: string;
  private inUse = 0;
  private peak = 0;

  /** float64 storage exists for finite-difference checks of the references; the product runs float32. */
  constructor(readonly precision: 'float32' | 'float64' = 'float32') {
    this.name = precision === 'float32' ? 'cpu' : 'cpu (float64 reference)';
  }

  tensor(
    shape: Shape,
    data?: ArrayLike<number>,
    options: { requiresGrad?: boolean; name?: string } = {},
  ): Tensor {
    const size = sizeOf(shape);
    if (data && data.length !== size) {
      throw new Error(`tensor: ${data.length} values given for shape [${shape.join(', ')}]`);
    }
    const storage = this.precision === 'float32' ? new Float32Array(size) : new Float64Array(size);
    if (data) storage.set(data);
    this.account(size * storage.BYTES_PER_ELEMENT);
    return new Tensor(this, shape, storage, options);
  }

  empty(shape: Shape): Tensor {
    return this.tensor(shape);
  }

  zeros(shape: Shape): Tensor {
    return this.tensor(shape);
  }

  /** The tensor's numbers; for the CPU backend this is its storage itself, not a copy. */
  data(t: Tensor): Float32Array | Float64Array {
    if (!(t.storage instanceof Float32Array || t.storage instanceof Float64Array)) {
      throw new Error('cpu backend: tensor is not on the CPU');
    }
    if (t.freed) throw new Error(`cpu backend: tensor ${t.id} used after free`);
    return t.storage;
  }

  async read(t: Tensor): Promise<Float32Array> {
    return Float32Array.from(this.data(t));
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    this.data(t).set(data);
  }

  release(t: Tensor): void {
    this.inUse -= t.size * (t.storage as Float32Array | Float64Array).BYTES_PER_ELEMENT;
  }

  flush(): void {}

  memory(): MemoryStats {
    return { inUse: this.inUse, peak: this.peak, reserved: this.inUse };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  private account(bytes: number): void {
    this.inUse += bytes;
    this.peak = Math.max(this.peak, this.inUse);
  }
}
