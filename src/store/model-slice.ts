import { proxy } from 'comlink';
import type { StateCreator } from 'zustand';
import type { LoadedModel, ModelSource } from '../../workers/clip-api';
import type { ClipParityReport } from '../clip/parity';
import type { FileProgress } from '../clip/sources/fetch-file';
import { messageOf } from '../common/message-of';
import { engineClient } from '../worker-client/engine-client';
import type { StudioState } from './studio-store';

/** The Hub CLIPs the studio offers by name; any other Hub id loads the same way. */
export const HUB_MODELS = ['Xenova/clip-vit-base-patch32', 'Xenova/clip-vit-base-patch16'] as const;

export interface HubCacheSummary {
  cachedFiles: number;
  files: number;
  bytes: number;
}

export interface ModelLoad {
  /** What is loading, in words: "the embedded model", a Hub id, "3 dropped files". */
  label: string;
  /** Download progress per file, in the order the files started. */
  files: FileProgress[];
}

/** onnxruntime-web on the loaded model: it starts on first use (zero-shot on the exported graphs) or on demand. */
export type OnnxruntimeStatus =
  | { state: 'idle' }
  | { state: 'starting' }
  | { state: 'ready'; backend: string }
  | { state: 'failed'; error: string };

export interface ModelState {
  /** The model in use; it stays while another loads, and when a load fails. */
  loaded: LoadedModel | null;
  loading: ModelLoad | null;
  /** Why the last load failed. */
  error: string | null;
  hubCache: Partial<Record<string, HubCacheSummary>>;
  onnxruntime: OnnxruntimeStatus;
  parity: { running: boolean; report: ClipParityReport | null; error: string | null };
  /** Content tokens of texts (class names, task phrases) on the loaded model's tokenizer, as asked for. */
  tokenCounts: Record<string, number>;
}

export interface ModelSlice {
  model: ModelState;
  /** Loads the embedded model once, at startup; later calls do nothing. */
  startModel(): Promise<void>;
  loadModel(source: ModelSource): Promise<void>;
  /** The model loaded last, loaded again: on a fresh engine worker, after the last one died. */
  reloadModel(reason: string): Promise<void>;
  refreshHubCache(repoId: string): Promise<void>;
  /** Starts onnxruntime-web on the loaded model unless it has started (or failed) already. */
  startOnnxruntime(): Promise<void>;
  checkParity(): Promise<void>;
  /** Each text's token count on the loaded model (asked of the worker once per text); null with no model. */
  countTokens(texts: readonly string[]): Promise<Record<string, number> | null>;
}

function describeSource(source: ModelSource): string {
  if (source.kind === 'embedded') return 'the embedded model';
  if (source.kind === 'hub') return source.repoId;
  return `${source.files.length} local files`;
}

export const createModelSlice: StateCreator<StudioState, [], [], ModelSlice> = (set, get) => {
  const update = (change: Partial<ModelState>) => set({ model: { ...get().model, ...change } });
  let started = false;
  let lastSource: ModelSource | null = null;

  return {
    model: {
      loaded: null,
      loading: null,
      error: null,
      hubCache: {},
      onnxruntime: { state: 'idle' },
      parity: { running: false, report: null, error: null },
      tokenCounts: {},
    },

    async startModel() {
      if (started) return;
      started = true;
      await get().loadModel({ kind: 'embedded' });
    },

    async loadModel(source) {
      if (get().model.loading) return;
      const loading: ModelLoad = { label: describeSource(source), files: [] };
      update({ loading, error: null });
      const onProgress = (progress: FileProgress) => {
        const current = get().model.loading;
        if (!current) return;
        const known = current.files.some((f) => f.file === progress.file);
        const files = known
          ? current.files.map((f) => (f.file === progress.file ? progress : f))
          : [...current.files, progress];
        update({ loading: { ...current, files } });
      };
      try {
        const loaded = await engineClient().call((api) => api.loadModel(source, proxy(onProgress)));
        update({ loaded, loading: null, onnxruntime: { state: 'idle' }, tokenCounts: {} });
        lastSource = source;
      } catch (error) {
        update({ loading: null, error: messageOf(error) });
      }
      if (source.kind === 'hub') await get().refreshHubCache(source.repoId);
    },

    async reloadModel(reason) {
      update({ loaded: null, loading: null, error: reason, onnxruntime: { state: 'idle' } });
      if (lastSource) await get().loadModel(lastSource);
    },

    async refreshHubCache(repoId) {
      try {
        const files = await engineClient().call((api) => api.hubCacheStatus(repoId));
        const summary: HubCacheSummary = {
          cachedFiles: files.filter((f) => f.cached).length,
          files: files.length,
          bytes: files.reduce((sum, f) => sum + (f.bytes ?? 0), 0),
        };
        update({ hubCache: { ...get().model.hubCache, [repoId]: summary } });
      } catch {
        // No Cache API (a private window, an insecure origin): the buttons then say nothing about the cache.
      }
    },

    async startOnnxruntime() {
      const { loaded, onnxruntime } = get().model;
      if (!loaded || onnxruntime.state !== 'idle') return;
      update({ onnxruntime: { state: 'starting' } });
      let status: OnnxruntimeStatus;
      try {
        status = { state: 'ready', backend: await engineClient().call((api) => api.startOnnxruntime()) };
      } catch (error) {
        status = { state: 'failed', error: messageOf(error) };
      }
      // Another model loaded meanwhile has its own onnxruntime, not started yet.
      if (get().model.loaded === loaded) update({ onnxruntime: status });
    },

    async countTokens(texts) {
      const { loaded, tokenCounts } = get().model;
      if (!loaded) return null;
      const missing = [...new Set(texts)].filter((text) => !Object.hasOwn(tokenCounts, text));
      if (missing.length === 0) return tokenCounts;
      const counts = await engineClient().call((api) => api.tokenCounts(missing));
      // Counts of a model replaced meanwhile are not kept: the new one starts with none.
      if (get().model.loaded !== loaded) return null;
      const known = { ...get().model.tokenCounts };
      missing.forEach((text, i) => {
        known[text] = counts[i] as number;
      });
      update({ tokenCounts: known });
      return known;
    },

    async checkParity() {
      if (get().model.parity.running) return;
      update({ parity: { ...get().model.parity, running: true, error: null } });
      try {
        const report = await engineClient().call((api) => api.checkClip());
        update({ parity: { running: false, report, error: null } });
      } catch (error) {
        update({ parity: { ...get().model.parity, running: false, error: messageOf(error) } });
      }
    },
  };
};
