import type { MemoryStats } from '../backend';
import { GpuOutOfMemoryError } from './gpu-errors';

/** Sizes are rounded so that the same tensor shape, step after step, lands on the same free list. */
function bucketBytes(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

/**
 * Storage buffers recycled by size. Training allocates the same shapes every step, so after the first
 * step nearly every allocation is a free-list hit and the device sees no new buffers.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private inUse = 0;
  private peak = 0;
  private reserved = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = bucketBytes(bytes);
    if (size > this.maxBufferSize) {
      throw new GpuOutOfMemoryError(
        `a ${size}-byte tensor exceeds this adapter's maxBufferSize (${this.maxBufferSize} bytes)`,
      );
    }
    const buffer = this.free.get(size)?.pop() ?? this.create(size);
    this.inUse += size;
    this.peak = Math.max(this.peak, this.inUse);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.inUse -= buffer.size;
    let list = this.free.get(buffer.size);
    if (!list) {
      list = [];
      this.free.set(buffer.size, list);
    }
    list.push(buffer);
  }

  /** Gives idle buffers back to the device, e.g. between runs of different shapes. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const buffer of list) {
        this.reserved -= buffer.size;
        buffer.destroy();
      }
    }
    this.free.clear();
  }

  stats(): MemoryStats {
    return { inUse: this.inUse, peak: this.peak, reserved: this.reserved };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  private create(size: number): GPUBuffer {
    this.reserved += size;
    // GPUBufferUsage is read here, not at import, so the module loads where WebGPU is missing.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.device.createBuffer({ size, usage });
  }
}
