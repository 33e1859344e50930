import type { Backend } from '../engine/backend';
import { nodeWebGpu } from '../engine/gpu/node-webgpu';
import { openBackend } from '../engine/open-backend';
import type { ParsedArgs } from './args';

/** WebGPU through Dawn unless `--cpu` asks for the CPU backend. */
export async function openCommandBackend(args: ParsedArgs): Promise<Backend> {
  const opened = await openBackend({ prefer: args.options.has('cpu') ? 'cpu' : 'webgpu', gpu: nodeWebGpu });
  return opened.backend;
}
