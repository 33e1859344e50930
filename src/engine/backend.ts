import type { CpuBackend } from './cpu/cpu-backend';
import type { GpuBackend } from './gpu/gpu-backend';
import type { WasmBackend } from './wasm/wasm-backend';

/** Every backend runs the same kernels: an op is written once per backend, side by side in its file. */
export type Backend = CpuBackend | GpuBackend | WasmBackend;

/** The backends whose tensors are host numbers (`data(t)`), which an op's CPU reference can compute on. */
export type HostBackend = CpuBackend | WasmBackend;

export type BackendKind = Backend['kind'];

export interface MemoryStats {
  /** Bytes held by live tensors. */
  inUse: number;
  /** The most `inUse` has been since the last `resetPeak()`. */
  peak: number;
  /** Bytes allocated from the device, free-listed buffers included. */
  reserved: number;
}

/**
 * A kernel implemented for every backend, so callers dispatch on the tensors' backend and nothing else.
 * `cpu` is the reference on host numbers; an op with no WebAssembly kernel (yet) runs it on the wasm
 * backend's memory, in float32 storage with the reference's float64 sums.
 */
export interface Kernel<Args, Result> {
  cpu(backend: HostBackend, args: Args): Result;
  gpu(backend: GpuBackend, args: Args): Result;
  wasm?(backend: WasmBackend, args: Args): Result;
}

export function runKernel<Args, Result>(kernel: Kernel<Args, Result>, backend: Backend, args: Args): Result {
  switch (backend.kind) {
    case 'cpu':
      return kernel.cpu(backend, args);
    case 'webgpu':
      return kernel.gpu(backend, args);
    case 'wasm':
      return kernel.wasm ? kernel.wasm(backend, args) : kernel.cpu(backend, args);
  }
}
