import type { Backend } from './backend';
import { CpuBackend } from './cpu/cpu-backend';
import { type GpuAdapterSummary, GpuBackend } from './gpu/gpu-backend';
import { GpuUnavailableError } from './gpu/gpu-errors';

/**
 * Which backend to open:
 * - `webgpu`: WebGPU, or the error saying why not;
 * - `cpu`: the CPU backend;
 * - `webgpu-else-cpu`: WebGPU on any adapter, the CPU backend where there is no WebGPU (the studio);
 * - `auto`: WebGPU on a hardware adapter, the CPU backend on a fallback (CPU) adapter or without WebGPU
 *   (the benchmarks: SwiftShader is slower than the CPU backend).
 * Another backend is one more preference and one more case below.
 */
export type BackendPreference = 'webgpu' | 'cpu' | 'webgpu-else-cpu' | 'auto';

export interface OpenBackendOptions {
  prefer: BackendPreference;
  /** Where WebGPU comes from: `navigator.gpu` unless given (Node passes Dawn's, `nodeWebGpu`). */
  gpu?: () => Promise<GPU | undefined>;
}

export interface ChosenBackend {
  backend: Backend;
  /** The WebGPU adapter, when one was opened (also when `auto` then chose the CPU over it). */
  adapter: GpuAdapterSummary | null;
  /** Why this backend, in a few words. */
  reason: string;
  /** Why WebGPU could not be opened, when the CPU backend stands in for it. */
  gpuUnavailable: string | null;
}

/** What `auto` runs on, given the WebGPU adapter (null: no WebGPU at all). */
export function autoBackendKind(
  adapter: Pick<GpuAdapterSummary, 'isFallbackAdapter'> | null,
): Backend['kind'] {
  return adapter && !adapter.isFallbackAdapter ? 'webgpu' : 'cpu';
}

/** The one place a backend is opened: the studio's worker and every CLI command come here. */
export async function openBackend({ prefer, gpu }: OpenBackendOptions): Promise<ChosenBackend> {
  switch (prefer) {
    case 'cpu':
      return { backend: new CpuBackend(), adapter: null, reason: 'asked for', gpuUnavailable: null };
    case 'webgpu': {
      const opened = await GpuBackend.create(gpu ? await gpu() : undefined);
      return { backend: opened, adapter: opened.adapter, reason: 'asked for', gpuUnavailable: null };
    }
    case 'webgpu-else-cpu':
    case 'auto': {
      let opened: GpuBackend;
      try {
        opened = await GpuBackend.create(gpu ? await gpu() : undefined);
      } catch (error) {
        if (!(error instanceof GpuUnavailableError)) throw error;
        return {
          backend: new CpuBackend(),
          adapter: null,
          reason: `no WebGPU (${error.message})`,
          gpuUnavailable: error.message,
        };
      }
      if (prefer === 'webgpu-else-cpu' || autoBackendKind(opened.adapter) === 'webgpu') {
        const reason = opened.adapter.isFallbackAdapter ? 'a WebGPU adapter' : 'a hardware WebGPU adapter';
        return { backend: opened, adapter: opened.adapter, reason, gpuUnavailable: null };
      }
      opened.destroy();
      return {
        backend: new CpuBackend(),
        adapter: opened.adapter,
        reason: 'the WebGPU adapter is a fallback (CPU) adapter, slower than the CPU backend',
        gpuUnavailable: null,
      };
    }
  }
}
