// The model half of the engine worker's API: loading a CLIP from any source, its parity check, zero-shot on
// the shipped task packs. It lives in the engine worker, not a worker of its own, so that one worker owns the
// GPU device: two would each open a device and compete for memory and queue time with no one ordering them.
import parityFixtureUrl from '../models/tiny-clip/fixtures/embeddings.safetensors?url';
import { type ClipEncoder, engineEncoder, ortEncoder } from '../src/clip/clip-encoder';
import { parseClipConfig } from '../src/clip/config';
import { decodeImageBlob } from '../src/clip/decode/browser-decode';
import type { ClipModelFiles } from '../src/clip/model-files';
import { type ModelSummary, summarizeModel } from '../src/clip/model-summary';
import { type ClipParityReport, checkClipParity } from '../src/clip/parity';
import { embeddedModel } from '../src/clip/sources/embedded';
import { type FileProgress, fetchFile } from '../src/clip/sources/fetch-file';
import { fetchHubModel, hubCacheStatus } from '../src/clip/sources/hub';
import { readLocalModelFiles } from '../src/clip/sources/local-files';
import { fillTemplate } from '../src/clip/zero-shot';
import type { GpuAdapterSummary } from '../src/engine/gpu/gpu-backend';
import {
  fetchShippedCatalog,
  fetchShippedImage,
  type ShippedCatalog,
  shippedTaskUrl,
} from '../src/tasks/shipped-packs';
import { type TaskImage, taskImages } from '../src/tasks/task-files';
import type { TaskInfo } from '../src/tasks/task-index';
import { type ZeroShotProgress, zeroShotTask } from '../src/tasks/zero-shot-task';
import {
  buildCurrentModel,
  type CurrentModel,
  currentModel,
  refuseWhileTraining,
  setCurrentModel,
} from './current-model';
import type { OpenedBackend } from './engine.worker';

export type ModelSource =
  | { kind: 'embedded' }
  | { kind: 'hub'; repoId: string }
  | { kind: 'files'; files: File[] };

/** A loaded model as the page sees it: its shape and what runs it. */
export interface LoadedModel {
  summary: ModelSummary;
  /** What runs the engine: "WebGPU on <adapter>" or "CPU". */
  engine: string;
  /** Why the engine is on the CPU; null on WebGPU. */
  engineFallbackReason: string | null;
  loadSeconds: number;
}

export type ZeroShotRuntime = 'engine' | 'onnxruntime';

export interface ZeroShotRequest {
  task: string;
  template: string;
  runtime: ZeroShotRuntime;
}

export interface ZeroShotResult {
  task: TaskInfo;
  template: string;
  model: string;
  /** What computed the embeddings, e.g. "engine on webgpu (…)". */
  runtime: string;
  top1: number;
  correct: number;
  perClass: { name: string; accuracy: number | null; images: number }[];
  /** Per test image: where the page can show it from, its label, its three most probable classes. */
  predictions: { url: string; label: number; top: { label: number; probability: number }[] }[];
  seconds: number;
}

interface ModelSession {
  info: LoadedModel;
  model: CurrentModel;
  engine: ClipEncoder;
  /** onnxruntime-web's sessions of this model, made when first asked for (see `onnxruntimeOf`). */
  onnxruntime: Promise<ClipEncoder> | null;
}

type Exclusive = <T>(work: (opened: OpenedBackend) => Promise<T>) => Promise<T>;

/** Progress events cross to the page as messages: a few a second is all a progress bar needs. */
function throttled(listener: ((progress: FileProgress) => void) | undefined, intervalMs = 100) {
  if (!listener) return undefined;
  let last = 0;
  return (progress: FileProgress) => {
    const now = performance.now();
    if (now - last < intervalMs && progress.loaded !== progress.total) return;
    last = now;
    listener(progress);
  };
}

function readSource(source: ModelSource, onProgress?: (progress: FileProgress) => void) {
  switch (source.kind) {
    case 'embedded':
      return embeddedModel(onProgress);
    case 'hub':
      return fetchHubModel(source.repoId, { onProgress });
    case 'files':
      return readLocalModelFiles(source.files);
  }
}

function sourceId(source: ModelSource): string {
  switch (source.kind) {
    case 'embedded':
      return 'embedded';
    case 'hub':
      return source.repoId;
    case 'files':
      return source.files[0]?.webkitRelativePath.split('/')[0] || 'dropped files';
  }
}

async function openSession(id: string, files: ClipModelFiles, opened: OpenedBackend): Promise<ModelSession> {
  const started = performance.now();
  const model = await buildCurrentModel(id, files, opened);
  const engine = engineEncoder(files, opened.backend, model.clip.model);
  const graphBytes = [files.textModel, files.visionModel, ...files.externalData.values()].reduce(
    (sum, bytes) => sum + bytes.length,
    0,
  );
  const { description } = opened;
  return {
    model,
    engine,
    onnxruntime: null,
    info: {
      summary: summarizeModel(id, parseClipConfig(files.config), graphBytes),
      engine: description.kind === 'webgpu' ? `WebGPU on ${adapterName(description.adapter)}` : 'CPU',
      engineFallbackReason: description.kind === 'cpu' ? description.fallbackReason : null,
      loadSeconds: (performance.now() - started) / 1000,
    },
  };
}

/**
 * The session's onnxruntime-web encoder, made on first use and kept (a failure too: the same graphs would fail
 * again). Not at load: the studio trains and predicts on the engine alone, and onnxruntime-web's 28 MB of
 * WebAssembly, once its sessions run, has V8 compile it in the background for seconds on every core, which
 * stalls the page on a small machine for nothing the user asked for.
 */
function onnxruntimeOf(session: ModelSession): Promise<ClipEncoder> {
  session.onnxruntime ??= ortEncoder(session.model.files);
  return session.onnxruntime;
}

/** Browsers fill in different fields (Chromium: vendor and architecture, e.g. "google swiftshader"). */
function adapterName(adapter: GpuAdapterSummary): string {
  const parts = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean);
  const name = [...new Set(parts)].join(' ') || 'an unnamed adapter';
  return adapter.isFallbackAdapter ? `${name} (fallback adapter)` : name;
}

async function fetchTaskImage(image: TaskImage) {
  return decodeImageBlob(await fetchShippedImage(image.path), image.path);
}

export function createClipApi(exclusive: Exclusive) {
  let session: ModelSession | null = null;
  let catalog: Promise<ShippedCatalog> | null = null;

  const taskCatalog = () => {
    if (!catalog) {
      catalog = fetchShippedCatalog();
      // A failed fetch is not kept: the next call tries again.
      catalog.catch(() => {
        catalog = null;
      });
    }
    return catalog;
  };

  return {
    /**
     * Downloads start at once; the model is built in the engine's queue at the place of this call, so work
     * asked for after a load runs on the new model. The previous model stays until the new one is built.
     */
    loadModel(source: ModelSource, onProgress?: (progress: FileProgress) => void): Promise<LoadedModel> {
      const files = readSource(source, throttled(onProgress));
      files.catch(() => undefined); // rejected before its turn in the queue: reported there
      return exclusive(async (opened) => {
        refuseWhileTraining();
        const next = await openSession(sourceId(source), await files, opened);
        const previous = session;
        session = next;
        setCurrentModel(next.model);
        if (previous) {
          const onnxruntime = previous.onnxruntime?.then(
            (encoder) => encoder.release(),
            () => undefined,
          );
          await Promise.all([previous.engine.release(), onnxruntime]);
        }
        return next.info;
      });
    },

    /** Starts onnxruntime-web on the loaded model (once) and says what runs it, e.g. "onnxruntime-web (webgpu)". */
    startOnnxruntime(): Promise<string> {
      return exclusive(async () => {
        if (!session) throw new Error('no model is loaded yet');
        return (await onnxruntimeOf(session)).backend;
      });
    },

    /**
     * Content tokens of each text on the loaded model's tokenizer, for the page to check names and context
     * lengths against the text context as they are typed. No queue: tokenizing touches no GPU, and a name
     * checked while a session trains must not wait for it.
     */
    tokenCounts(texts: readonly string[]): number[] {
      const { tokenizer } = currentModel().clip;
      return texts.map((text) => tokenizer.tokenCount(text));
    },

    /** Which of a Hub model's files the browser already holds (Cache API): no queue, no network. */
    hubCacheStatus: (repoId: string) => hubCacheStatus(repoId),

    /** The embedded model's towers (engine and onnxruntime) against its golden PyTorch embeddings. */
    checkClip(): Promise<ClipParityReport> {
      const inputs = Promise.all([embeddedModel(), fetchFile(parityFixtureUrl, 'embeddings.safetensors')]);
      inputs.catch(() => undefined);
      return exclusive(async ({ backend }) => {
        const [files, fixture] = await inputs;
        if (!fixture) throw new Error('the parity fixture is missing from this build');
        return checkClipParity(files, fixture, backend);
      });
    },

    /** The shipped task packs (tasks/index.json). */
    zeroShotTasks: async (): Promise<TaskInfo[]> => (await taskCatalog()).tasks,

    zeroShot(
      request: ZeroShotRequest,
      onProgress?: (progress: ZeroShotProgress) => void,
    ): Promise<ZeroShotResult> {
      fillTemplate(request.template, 'x');
      return exclusive(async () => {
        const started = performance.now();
        const current = session;
        if (!current) throw new Error('no model is loaded yet');
        const encoder = request.runtime === 'engine' ? current.engine : await onnxruntimeOf(current);
        const { tasks, files } = await taskCatalog();
        const task = tasks.find((t) => t.name === request.task);
        if (!task) throw new Error(`there is no task pack named ${JSON.stringify(request.task)}`);
        const images = taskImages(files, task, 'test');
        const result = await zeroShotTask({
          encoder,
          classes: task.classes,
          templates: [request.template],
          images,
          loadImage: fetchTaskImage,
          onProgress,
        });
        const { accuracy } = result;
        return {
          task,
          template: request.template,
          model: current.info.summary.id,
          runtime: encoder.backend,
          top1: accuracy.top1,
          correct: result.predictions.filter(({ image, top }) => top[0]?.label === image.label).length,
          perClass: task.classes.map((name, i) => ({
            name,
            accuracy: accuracy.perClass[i] ?? null,
            images: accuracy.counts[i] ?? 0,
          })),
          predictions: result.predictions.map(({ image, top }) => ({
            url: shippedTaskUrl(image.path),
            label: image.label,
            top,
          })),
          seconds: (performance.now() - started) / 1000,
        };
      });
    },
  };
}
