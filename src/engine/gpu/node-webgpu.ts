import { existsSync } from 'node:fs';
import { GpuUnavailableError } from './gpu-errors';

/** Debian's chromium ships SwiftShader's Vulkan driver: a correct (if slow) WebGPU adapter without a GPU. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let instance: Promise<GPU> | null = null;

/**
 * WebGPU in Node through Dawn (the `webgpu` package). Installs the WebGPU globals (GPUBufferUsage, …)
 * the engine relies on, and falls back to SwiftShader when no Vulkan driver is configured. One Dawn
 * instance per process: a second one crashes Dawn at exit.
 */
export function nodeWebGpu(): Promise<GPU> {
  instance ??= loadDawn();
  return instance;
}

async function loadDawn(): Promise<GPU> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  let module: typeof import('webgpu');
  try {
    module = await import('webgpu');
  } catch (error) {
    throw new GpuUnavailableError(`the 'webgpu' package did not load: ${(error as Error).message}`);
  }
  Object.assign(globalThis, module.globals);
  return module.create([]);
}
