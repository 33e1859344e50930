import type { Backend } from '../engine/backend';
import { CpuBackend } from '../engine/cpu/cpu-backend';
import { GpuBackend } from '../engine/gpu/gpu-backend';
import { nodeWebGpu } from '../engine/gpu/node-webgpu';
import type { ParsedArgs } from './args';

/** WebGPU through Dawn unless `--cpu` asks for the CPU backend. */
export async function openBackend(args: ParsedArgs): Promise<Backend> {
  if (args.options.has('cpu')) return new CpuBackend();
  return GpuBackend.create(await nodeWebGpu());
}
