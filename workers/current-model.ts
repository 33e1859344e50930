// The model the engine worker has loaded, shared by every API half that needs it (zero-shot, training,
// prediction, transfer): one frozen CLIP on the one GPU device, built once per load.
import type { ClipModelFiles } from '../src/clip/model-files';
import { type ModelIdentity, modelIdentity } from '../src/prompts/model-identity';
import { type FrozenClip, loadFrozenClip } from '../src/train/frozen-clip';
import type { OpenedBackend } from './engine.worker';

export interface CurrentModel {
  files: ClipModelFiles;
  clip: FrozenClip;
  /** What prompt sets record and are checked against on import. */
  identity: ModelIdentity;
  backend: OpenedBackend;
}

let current: CurrentModel | null = null;

export async function buildCurrentModel(
  id: string,
  files: ClipModelFiles,
  backend: OpenedBackend,
): Promise<CurrentModel> {
  return {
    files,
    clip: loadFrozenClip(files, backend.backend),
    identity: await modelIdentity(files, id),
    backend,
  };
}

export function setCurrentModel(model: CurrentModel): void {
  current = model;
}

/** The loaded model; throws the message the page shows when work is asked for before any load. */
export function currentModel(): CurrentModel {
  if (!current) throw new Error('no model is loaded yet: load one in the Model panel');
  return current;
}

/** The current model built again on `backend`: a fresh device, after the one it was on was lost. */
export async function rebuildCurrentModel(backend: OpenedBackend): Promise<CurrentModel> {
  const { identity, files } = currentModel();
  current = await buildCurrentModel(identity.id, files, backend);
  return current;
}

const trainingSessions = new Set<string>();

/** Training holds the model it trains on; the returned function lets go of it. */
export function holdForTraining(sessionId: string): () => void {
  trainingSessions.add(sessionId);
  return () => trainingSessions.delete(sessionId);
}

/** Loading another model would free the weights under a running training session. */
export function refuseWhileTraining(): void {
  if (trainingSessions.size > 0) throw new Error('stop training before loading another model');
}
