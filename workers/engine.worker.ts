// The studio's engine, off the main thread: kernels compile and GPU reads wait here, never in the page.
// Everything crossing back to the page is plain data; GPU objects stay in this worker.
import { expose } from 'comlink';
import type { Backend } from '../src/engine/backend';
import { type EngineFingerprint, engineFingerprint } from '../src/engine/check/engine-fingerprint';
import { runEngineSelfTest, type SelfTestReport } from '../src/engine/check/self-test';
import type { GpuAdapterSummary, GpuLimits } from '../src/engine/gpu/gpu-backend';
import { openBackend } from '../src/engine/open-backend';
import type { WasmSimd } from '../src/engine/wasm/wasm-kernels';
import { createClipApi } from './clip-api';
import { createPromptApi } from './prompt-api';
import { createTrainingApi } from './training-api';
import { createTransferApi } from './transfer-api';

export type EngineDescription =
  | { kind: 'webgpu'; backend: string; adapter: GpuAdapterSummary; limits: GpuLimits }
  | {
      kind: 'wasm';
      backend: string;
      /** Why not WebGPU. */
      fallbackReason: string;
      simd: WasmSimd;
      sharedMemory: boolean;
      threads: number;
    }
  | { kind: 'cpu'; backend: string; fallbackReason: string };

export interface OpenedBackend {
  backend: Backend;
  description: EngineDescription;
}

/** Without WebGPU the engine still runs, on WebAssembly: correct, slower, and the page says why. */
async function openStudioBackend(): Promise<OpenedBackend> {
  const { backend, gpuUnavailable } = await openBackend({ prefer: 'webgpu-else-wasm' });
  const fallbackReason = gpuUnavailable ?? 'asked for';
  const description: EngineDescription =
    backend.kind === 'webgpu'
      ? { kind: 'webgpu', backend: backend.name, adapter: backend.adapter, limits: backend.limits }
      : backend.kind === 'wasm'
        ? {
            kind: 'wasm',
            backend: backend.name,
            fallbackReason,
            simd: backend.simd,
            sharedMemory: backend.kernels.shared,
            threads: backend.threads,
          }
        : { kind: 'cpu', backend: backend.name, fallbackReason };
  return { backend, description };
}

let opened: Promise<OpenedBackend> | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** One backend, one command stream: calls run one after another so runs never interleave or skew timings. */
function exclusive<T>(work: (opened: OpenedBackend) => Promise<T>): Promise<T> {
  opened ??= openStudioBackend();
  const backend = opened;
  const run = queue.then(async () => work(await backend));
  queue = run.catch(() => undefined);
  return run;
}

/** A fresh device after the last was lost: the work queued from now on runs on it. */
function reopenBackend(): Promise<OpenedBackend> {
  opened = openStudioBackend();
  return opened;
}

const engineApi = {
  describe: (): Promise<EngineDescription> => exclusive(async ({ description }) => description),
  selfTest: (options: { finiteDifferences?: boolean } = {}): Promise<SelfTestReport> =>
    exclusive(({ backend }) => runEngineSelfTest(backend, options)),
  /** Every op case's outputs, for comparing this browser's WebGPU with Node's output by output. */
  selfTestOutputs: (): Promise<EngineFingerprint> => exclusive(({ backend }) => engineFingerprint(backend)),
  ...createClipApi(exclusive),
  ...createPromptApi(exclusive),
  ...createTrainingApi(exclusive, reopenBackend),
  ...createTransferApi(exclusive),
};

export type EngineApi = typeof engineApi;

expose(engineApi);
