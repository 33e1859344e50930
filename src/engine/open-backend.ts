import type { Backend } from './backend';
import { CpuBackend } from './cpu/cpu-backend';
import { type GpuAdapterSummary, GpuBackend } from './gpu/gpu-backend';
import { GpuUnavailableError } from './gpu/gpu-errors';
import { WasmBackend } from './wasm/wasm-backend';

/**
 * Which backend to open:
 * - `webgpu`: WebGPU, or the error saying why not;
 * - `wasm`: the WebAssembly backend;
 * - `cpu`: the CPU backend (the float64-summing reference);
 * - `webgpu-else-wasm`: WebGPU on any adapter, the WebAssembly backend without WebGPU (the studio's
 *   default while its end-to-end parity checks compare the page's WebGPU with Node's);
 * - `auto`: WebGPU on a hardware adapter, the WebAssembly backend on a fallback (CPU) adapter or without
 *   WebGPU: SwiftShader runs a matmul at ~0.5 GFLOP/s where the wasm kernels run tens
 *   (`prompt-studio bench kernels --backend wasm`).
 */
export type BackendPreference = 'webgpu' | 'wasm' | 'cpu' | 'webgpu-else-wasm' | 'auto';

/** What a user may ask for (`--backend`, the page's `?backend=`). */
export const BACKEND_CHOICES = [
  'auto',
  'webgpu',
  'wasm',
  'cpu',
] as const satisfies readonly BackendPreference[];

export interface OpenBackendOptions {
  prefer: BackendPreference;
  /** Where WebGPU comes from: `navigator.gpu` unless given (Node passes Dawn's, `nodeWebGpu`). */
  gpu?: () => Promise<GPU | undefined>;
}

export interface ChosenBackend {
  backend: Backend;
  /** The WebGPU adapter, when one was opened (also when `auto` then chose WebAssembly over it). */
  adapter: GpuAdapterSummary | null;
  /** Why this backend, in a few words. */
  reason: string;
  /** Why WebGPU could not be opened, when another backend stands in for it. */
  gpuUnavailable: string | null;
}

/** What `auto` runs on, given the WebGPU adapter (null: no WebGPU at all). */
export function autoBackendKind(
  adapter: Pick<GpuAdapterSummary, 'isFallbackAdapter'> | null,
): Backend['kind'] {
  return adapter && !adapter.isFallbackAdapter ? 'webgpu' : 'wasm';
}

/** The one place a backend is opened: the studio's worker and every CLI command come here. */
export async function openBackend({ prefer, gpu }: OpenBackendOptions): Promise<ChosenBackend> {
  switch (prefer) {
    case 'cpu':
      return { backend: new CpuBackend(), adapter: null, reason: 'asked for', gpuUnavailable: null };
    case 'wasm':
      return {
        backend: await WasmBackend.create(),
        adapter: null,
        reason: 'asked for',
        gpuUnavailable: null,
      };
    case 'webgpu': {
      const opened = await GpuBackend.create(gpu ? await gpu() : undefined);
      return { backend: opened, adapter: opened.adapter, reason: 'asked for', gpuUnavailable: null };
    }
    case 'webgpu-else-wasm':
    case 'auto': {
      let opened: GpuBackend;
      try {
        opened = await GpuBackend.create(gpu ? await gpu() : undefined);
      } catch (error) {
        if (!(error instanceof GpuUnavailableError)) throw error;
        return {
          backend: await WasmBackend.create(),
          adapter: null,
          reason: `no WebGPU (${error.message})`,
          gpuUnavailable: error.message,
        };
      }
      if (prefer === 'webgpu-else-wasm' || autoBackendKind(opened.adapter) === 'webgpu') {
        const reason = opened.adapter.isFallbackAdapter ? 'a WebGPU adapter' : 'a hardware WebGPU adapter';
        return { backend: opened, adapter: opened.adapter, reason, gpuUnavailable: null };
      }
      opened.destroy();
      return {
        backend: await WasmBackend.create(),
        adapter: opened.adapter,
        reason: 'the WebGPU adapter is a fallback (CPU) adapter, slower than WebAssembly',
        gpuUnavailable: null,
      };
    }
  }
}
