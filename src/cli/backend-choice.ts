/**
 * `--backend auto|webgpu|wasm|cpu`. `auto` takes WebGPU on a real GPU and the WebAssembly backend where
 * WebGPU itself runs on the CPU (a fallback adapter: SwiftShader, WARP) or is missing. Measured on this
 * repository's 2-core machine with `prompt-studio bench step` (embedded model, batch 32): a training step
 * costs about 4× more CPU time on SwiftShader than on the JavaScript CPU backend (VPT-deep 4.0 s vs 1.1 s,
 * UPT 2.9 vs 0.8, CoOp 0.59 vs 0.15, MuDPT at batch 4 0.90 vs 0.18), whose matmul the wasm one outruns
 * by an order of magnitude (`bench kernels --backend wasm`).
 */
import type { GpuAdapterSummary } from '../engine/gpu/gpu-backend';
import { nodeWebGpu } from '../engine/gpu/node-webgpu';
import { BACKEND_CHOICES, type ChosenBackend, openBackend } from '../engine/open-backend';
import { type ParsedArgs, stringOption, UsageError } from './args';

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
