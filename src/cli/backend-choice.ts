/**
 * `--backend auto|webgpu|cpu` for the benchmarks. `auto` takes WebGPU on a real GPU and the CPU backend
 * where WebGPU itself runs on the CPU (a fallback adapter: SwiftShader, WARP) or is missing. Measured on
 * this repository's 2-core machine with `prompt-studio bench step` (embedded model, batch 32): a training
 * step costs about 4× more CPU time on SwiftShader than on the CPU backend (VPT-deep 4.0 s vs 1.1 s, UPT
 * 2.9 vs 0.8, CoOp 0.59 vs 0.15, MuDPT at batch 4 0.90 vs 0.18). SwiftShader spreads a step over both
 * cores, so one process alone is ~2× faster on the CPU backend; one CPU-backend process per core
 * (`bench accuracy --jobs`) makes it ~4×.
 */
import type { Backend } from '../engine/backend';
import { CpuBackend } from '../engine/cpu/cpu-backend';
import { type GpuAdapterSummary, GpuBackend } from '../engine/gpu/gpu-backend';
import { GpuUnavailableError } from '../engine/gpu/gpu-errors';
import { nodeWebGpu } from '../engine/gpu/node-webgpu';
import { type ParsedArgs, UsageError } from './args';
import { stringOption } from './studio-inputs';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** What `auto` runs on, given the WebGPU adapter (null: no WebGPU at all). */
export function autoBackendKind(
  adapter: Pick<GpuAdapterSummary, 'isFallbackAdapter'> | null,
): Backend['kind'] {
  return adapter && !adapter.isFallbackAdapter ? 'webgpu' : 'cpu';
}

export interface ChosenBackend {
  backend: Backend;
  /** The WebGPU adapter, when one was opened (also when auto then chose the CPU over it). */
  adapter: GpuAdapterSummary | null;
  /** Why this backend, in a few words. */
  reason: string;
}

/** `--backend` (or `--cpu`), `fallback` when neither is given. */
export function backendChoice(args: ParsedArgs, fallback: BackendChoice): BackendChoice {
  if (args.options.has('cpu')) return 'cpu';
  const choice = stringOption(args, 'backend') ?? fallback;
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${choice}`);
  }
  return choice as BackendChoice;
}

export async function openChosenBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'cpu') return { backend: new CpuBackend(), adapter: null, reason: 'asked for' };
  let gpu: GpuBackend;
  try {
    gpu = await GpuBackend.create(await nodeWebGpu());
  } catch (error) {
    if (choice === 'webgpu' || !(error instanceof GpuUnavailableError)) throw error;
    return { backend: new CpuBackend(), adapter: null, reason: `no WebGPU (${error.message})` };
  }
  if (choice === 'webgpu') return { backend: gpu, adapter: gpu.adapter, reason: 'asked for' };
  if (autoBackendKind(gpu.adapter) === 'webgpu') {
    return { backend: gpu, adapter: gpu.adapter, reason: 'a hardware WebGPU adapter' };
  }
  gpu.destroy();
  return {
    backend: new CpuBackend(),
    adapter: gpu.adapter,
    reason: 'the WebGPU adapter is a fallback (CPU) adapter, slower than the CPU backend',
  };
}

/** The adapter in words: its description, or vendor and architecture. */
export function adapterName(adapter: GpuAdapterSummary | null): string {
  if (!adapter) return 'none';
  const name =
    adapter.description || [adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join(' ');
  return `${name || 'unknown'}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}
