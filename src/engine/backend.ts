import type { CpuBackend } from './cpu/cpu-backend';
import type { GpuBackend } from './gpu/gpu-backend';

/** Every backend runs the same kernels: an op is written once per backend, side by side in its file. */
export type Backend = CpuBackend | GpuBackend;

export type BackendKind = Backend['kind'];

export interface MemoryStats {
  /** Bytes held by live tensors. */
  inUse: number;
  /** The most `inUse` has been since the last `resetPeak()`. */
  peak: number;
  /** Bytes allocated from the device, free-listed buffers included. */
  reserved: number;
}

/** A kernel implemented for both backends, so callers dispatch on the tensors' backend and nothing else. */
export interface Kernel<Args, Result> {
  cpu(backend: CpuBackend, args: Args): Result;
  gpu(backend: GpuBackend, args: Args): Result;
}

export function runKernel<Args, Result>(kernel: Kernel<Args, Result>, backend: Backend, args: Args): Result {
  return backend.kind === 'cpu' ? kernel.cpu(backend, args) : kernel.gpu(backend, args);
}
