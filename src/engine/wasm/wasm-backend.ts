import type { MemoryStats } from '../backend';
import { type Shape, sizeOf, Tensor } from '../tensor';
import {
  loadWasmKernels,
  WASM_MAX_PAGES,
  WASM_PAGE_BYTES,
  type WasmKernels,
  type WasmSimd,
} from './wasm-kernels';

/** Sizes are rounded so that the same tensor shape, step after step, lands on the same free list. */
const ALIGN_BYTES = 64;

function roundedBytes(elements: number): number {
  return Math.max(ALIGN_BYTES, Math.ceil((elements * 4) / ALIGN_BYTES) * ALIGN_BYTES);
}

/**
 * Float32 tensors in one WebAssembly memory, as views into it, computed by the kernels in kernels/*.c
 * (each op's `wasm` method) or, for an op without one, by its CPU reference reading the same views.
 * Storage is recycled by size like the GPU's buffer pool: training allocates the same shapes every step.
 */
export class WasmBackend {
  readonly kind = 'wasm' as const;
  readonly name: string;
  /** Threads the kernels run on; one until the pool of workers exists. */
  readonly threads = 1;
  private readonly free = new Map<number, number[]>();
  private top: number;
  private inUse = 0;
  private peak = 0;

  private constructor(readonly kernels: WasmKernels) {
    this.top = Math.ceil(kernels.heapBase / ALIGN_BYTES) * ALIGN_BYTES;
    const simd = kernels.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD';
    this.name = `wasm (${simd}, ${kernels.shared ? 'shared' : 'plain'} memory, ${this.threads} thread)`;
  }

  static async create(options: { simd?: WasmSimd; shared?: boolean } = {}): Promise<WasmBackend> {
    return new WasmBackend(await loadWasmKernels(options));
  }

  get simd(): WasmSimd {
    return this.kernels.simd;
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
    const bytes = roundedBytes(size);
    // Allocated before the buffer is read: allocating may grow the memory, which replaces the buffer.
    const offset = this.allocate(bytes);
    const view = new Float32Array(this.kernels.memory.buffer, offset, size);
    if (data) view.set(data);
    else view.fill(0);
    this.inUse += bytes;
    this.peak = Math.max(this.peak, this.inUse);
    return new Tensor(this, shape, view, options);
  }

  /** Like `zeros`: recycled storage is cleared, so no op can read a previous tensor's numbers. */
  empty(shape: Shape): Tensor {
    return this.tensor(shape);
  }

  zeros(shape: Shape): Tensor {
    return this.tensor(shape);
  }

  /** The tensor's numbers: a view into the memory, not a copy. */
  data(t: Tensor): Float32Array {
    if (t.backend !== this || !(t.storage instanceof Float32Array)) {
      throw new Error('wasm backend: tensor is not on this backend');
    }
    if (t.freed) throw new Error(`wasm backend: tensor ${t.id} used after free`);
    return t.storage;
  }

  /** Byte offset of the tensor's first element, as the kernels take it. */
  pointer(t: Tensor): number {
    return this.data(t).byteOffset;
  }

  async read(t: Tensor): Promise<Float32Array> {
    return this.data(t).slice();
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    this.data(t).set(data);
  }

  release(t: Tensor): void {
    const bytes = roundedBytes(t.size);
    this.inUse -= bytes;
    const offset = (t.storage as Float32Array).byteOffset;
    const list = this.free.get(bytes);
    if (list) list.push(offset);
    else this.free.set(bytes, [offset]);
  }

  flush(): void {}

  memory(): MemoryStats {
    return { inUse: this.inUse, peak: this.peak, reserved: this.top - this.kernels.heapBase };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  private allocate(bytes: number): number {
    const recycled = this.free.get(bytes)?.pop();
    if (recycled !== undefined) return recycled;
    const offset = this.top;
    const end = offset + bytes;
    const memory = this.kernels.memory;
    if (end > memory.buffer.byteLength) {
      if (!this.kernels.shared) {
        throw new Error(
          `wasm backend: out of memory (${end} bytes needed, ${memory.buffer.byteLength} reserved; ` +
            'a shared memory, in Node or a cross-origin-isolated page, can grow to 4 GiB)',
        );
      }
      const current = memory.buffer.byteLength / WASM_PAGE_BYTES;
      const needed = Math.ceil(end / WASM_PAGE_BYTES) - current;
      if (current + needed > WASM_MAX_PAGES) {
        throw new Error(`wasm backend: out of memory (${end} bytes needed, wasm32 addresses 4 GiB)`);
      }
      // Growing by at least a quarter keeps the number of grows logarithmic in the peak.
      memory.grow(Math.min(Math.max(needed, Math.ceil(current / 4)), WASM_MAX_PAGES - current));
    }
    this.top = end;
    return offset;
  }
}
