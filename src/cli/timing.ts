/** Wall-clock and CPU timing for the benchmarks, fair to both backends. */
import type { Backend } from '../engine/backend';

/** Waits for the GPU's queue to drain; the CPU backend has finished when its calls return. */
export async function settle(backend: Backend): Promise<void> {
  if (backend.kind === 'webgpu') await backend.sync();
}

export interface Timing {
  /** Wall-clock milliseconds per call. */
  wallMs: number;
  /**
   * CPU milliseconds per call, every thread of the process (a CPU-emulated GPU's too): on a machine shared
   * with other work, what a call costs regardless of how much of the machine it was given.
   */
  cpuMs: number;
}

/**
 * `fn`'s cost per call, the mean of `repetitions` calls after `warmup` untimed ones (which compile pipelines
 * and fill the buffer pool). The clocks stop once the backend has settled, so work a call only queued is
 * counted.
 */
export async function timeCalls(
  backend: Backend,
  warmup: number,
  repetitions: number,
  fn: () => unknown,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  await settle(backend);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < repetitions; i++) await fn();
  await settle(backend);
  const cpu = process.cpuUsage(cpuStarted);
  return {
    wallMs: (performance.now() - started) / repetitions,
    cpuMs: (cpu.user + cpu.system) / 1000 / repetitions,
  };
}
