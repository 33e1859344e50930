import { CpuBackend } from '../cpu/cpu-backend';
import { GpuBackend } from '../gpu/gpu-backend';
import { nodeWebGpu } from '../gpu/node-webgpu';
import { WasmBackend } from '../wasm/wasm-backend';

let gpu: Promise<GpuBackend> | null = null;

/** One WebGPU device per test process: creating devices is slow on SwiftShader. */
export function testGpuBackend(): Promise<GpuBackend> {
  gpu ??= nodeWebGpu().then((g) => GpuBackend.create(g));
  return gpu;
}

export const cpu = new CpuBackend();
export const cpu64 = new CpuBackend('float64');

let wasm: Promise<WasmBackend> | null = null;

/** One wasm backend per test process, in the runtime's preferred build (plain SIMD in Node 20). */
export function testWasmBackend(): Promise<WasmBackend> {
  wasm ??= WasmBackend.create();
  return wasm;
}
