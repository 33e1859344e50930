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

let client: EngineClient | null = null;

/** The page's one engine worker, started on first use. */
export function engineClient(): EngineClient {
  if (client) return client;
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  const crashed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      reject(new Error(`the engine worker failed: ${event.message || 'its script did not load'}`));
    });
  });
  // It may crash while no call is waiting; later calls still see the rejection.
  crashed.catch(() => undefined);
  const api = wrap<EngineApi>(worker);
  client = { call: (use) => Promise.race([use(api), crashed]) };
  return client;
}
