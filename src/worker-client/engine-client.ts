import { type Remote, wrap } from 'comlink';
import type { EngineApi } from '../../workers/engine.worker';

export type EngineRemote = Remote<EngineApi>;

export interface EngineClient {
  /**
   * Calls the engine worker. Comlink calls to a worker that failed to load or died never settle, so this
   * rejects instead: the page shows an error rather than waiting forever.
   */
  call<T>(use: (api: EngineRemote) => Promise<T>): Promise<T>;
}

/** The worker died (an uncaught error there): what it held (the model, training sessions) is gone. */
export class EngineWorkerLostError extends Error {
  override name = 'EngineWorkerLostError';
}

let client: EngineClient | null = null;
const lostListeners = new Set<(error: EngineWorkerLostError) => void>();

/**
 * Hears of a worker that had been working and died; the next call starts a fresh one. (A worker whose
 * script never loaded is not restarted: a fresh one would fail the same way.)
 */
export function onEngineWorkerLost(listener: (error: EngineWorkerLostError) => void): () => void {
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
}

function startWorker(): EngineClient {
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  let answered = false;
  let failed = false;
  const started: EngineClient = { call: (use) => Promise.race([use(api).then(seen), crashed]) };
  const crashed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      if (failed) return;
      failed = true;
      // An uncaught error leaves the worker in a state nothing can trust: it goes, and its calls fail.
      worker.terminate();
      const error = new EngineWorkerLostError(
        `the engine worker stopped: ${event.message || 'its script did not load'}`,
      );
      reject(error);
      if (!answered) return;
      if (client === started) client = null;
      for (const listener of lostListeners) listener(error);
    });
  });
  // It may crash while no call is waiting; later calls still see the rejection.
  crashed.catch(() => undefined);
  const api = wrap<EngineApi>(worker);
  const seen = <T>(value: T): T => {
    answered = true;
    return value;
  };
  return started;
}

/** The page's one engine worker, started on first use and again after it died. */
export function engineClient(): EngineClient {
  client ??= startWorker();
  return client;
}
