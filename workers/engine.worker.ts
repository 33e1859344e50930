// The studio's engine, off the main thread: kernels compile and GPU reads wait here, never in the page.
// Everything crossing back to the page is plain data; GPU objects stay in this worker.
import { expose } from 'comlink';
import type { Backend } from '../src/engine/backend';
import { type EngineFingerprint, engineFingerprint } from '../src/engine/check/engine-fingerprint';
import { runEngineSelfTest, type SelfTestReport } from '../src/engine/check/self-test';
import { CpuBackend } from '../src/engine/cpu/cpu-backend';
import { type GpuAdapterSummary, GpuBackend, type GpuLimits } from '../src/engine/gpu/gpu-backend';
import { GpuUnavailableError } from '../src/engine/gpu/gpu-errors';
import { createClipApi } from './clip-api';
import { createPromptApi } from './prompt-api';
import { createTrainingApi } from './training-api';
import { createTransferApi } from './transfer-api';

export type EngineDescription =
  | { kind: 'webgpu'; backend: string; adapter: GpuAdapterSummary; limits: GpuLimits }
  | { kind: 'cpu'; backend: string; fallbackReason: string };

export interface OpenedBackend {
  backend: Backend;
  description: EngineDescription;
}

/** Without WebGPU the engine still runs, on the CPU: correct, much slower, and the page says why. */
async function openBackend(): Promise<OpenedBackend> {
  try {
    const gpu = await GpuBackend.create();
    const description = {
      kind: 'webgpu',
      backend: gpu.name,
      adapter: gpu.adapter,
      limits: gpu.limits,
    } as const;
    return { backend: gpu, description };
  } catch (error) {
    if (!(error instanceof GpuUnavailableError)) throw error;
    const cpu = new CpuBackend();
    return { backend: cpu, description: { kind: 'cpu', backend: cpu.name, fallbackReason: error.message } };
  }
}

let opened: Promise<OpenedBackend> | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** One backend, one command stream: calls run one after another so runs never interleave or skew timings. */
function exclusive<T>(work: (opened: OpenedBackend) => Promise<T>): Promise<T> {
  opened ??= openBackend();
  const backend = opened;
  const run = queue.then(async () => work(await backend));
  queue = run.catch(() => undefined);
  return run;
}

/** A fresh device after the last was lost: the work queued from now on runs on it. */
function reopenBackend(): Promise<OpenedBackend> {
  opened = openBackend();
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
