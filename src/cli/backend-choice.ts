/**
 * `--backend auto|webgpu|cpu` for the benchmarks. `auto` takes WebGPU on a real GPU and the CPU backend
 * where WebGPU itself runs on the CPU (a fallback adapter: SwiftShader, WARP) or is missing. Measured on
 * this repository's 2-core machine with `prompt-studio bench step` (embedded model, batch 32): a training
 * step costs about 4× more CPU time on SwiftShader than on the CPU backend (VPT-deep 4.0 s vs 1.1 s, UPT
 * 2.9 vs 0.8, CoOp 0.59 vs 0.15, MuDPT at batch 4 0.90 vs 0.18). SwiftShader spreads a step over both
 * cores, so one process alone is ~2× faster on the CPU backend; one CPU-backend process per core
 * (`bench accuracy --jobs`) makes it ~4×.
 */
import type { GpuAdapterSummary } from '../engine/gpu/gpu-backend';
import { nodeWebGpu } from '../engine/gpu/node-webgpu';
import { type ChosenBackend, openBackend } from '../engine/open-backend';
import { type ParsedArgs, UsageError } from './args';
import { stringOption } from './studio-inputs';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** `--backend` (or `--cpu`), `fallback` when neither is given. */
export function backendChoice(args: ParsedArgs, fallback: BackendChoice): BackendChoice {
  if (args.options.has('cpu')) return 'cpu';
  const choice = stringOption(args, 'backend') ?? fallback;
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${choice}`);
  }
  return choice as BackendChoice;
}

export function openChosenBackend(choice: BackendChoice): Promise<ChosenBackend> {
  return openBackend({ prefer: choice, gpu: nodeWebGpu });
}

/** The adapter in words: its description, or vendor and architecture. */
export function adapterName(adapter: GpuAdapterSummary | null): string {
  if (!adapter) return 'none';
  const name =
    adapter.description || [adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join(' ');
  return `${name || 'unknown'}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}
