// Shared by the train and prompts tests: the embedded model on a backend, and a tiny task from its packs.
import { existsSync } from 'node:fs';
import { readTask } from '../cli/studio-inputs';
import { readModelDir } from '../clip/sources/node-dir';
import { TINY_CLIP_DIR } from '../clip/testing';
import type { Backend } from '../engine/backend';
import { type ModelIdentity, modelIdentity } from '../prompts/model-identity';
import { type FrozenClip, loadFrozenClip } from './frozen-clip';
import type { LabelledExample, TaskData } from './task-data';

export const TEST_MODEL_DIR = TINY_CLIP_DIR;
export const modelMissing = !existsSync(`${TEST_MODEL_DIR}onnx/vision_model.onnx`);

const TASKS_DIR = new URL('../../public/tasks/', import.meta.url).pathname;

const loaded = new Map<Backend, Promise<{ clip: FrozenClip; identity: ModelIdentity }>>();

/** The embedded model, loaded once per backend and test file. */
export function testClip(backend: Backend): Promise<{ clip: FrozenClip; identity: ModelIdentity }> {
  let model = loaded.get(backend);
  if (!model) {
    model = readModelDir(TEST_MODEL_DIR).then(async (files) => ({
      clip: loadFrozenClip(files, backend),
      identity: await modelIdentity(files, 'embedded'),
    }));
    loaded.set(backend, model);
  }
  return model;
}

/** A few classes of the `colours` pack, with the first `train` and `test` images of each. */
export async function tinyTask(classes: readonly string[], train: number, test: number): Promise<TaskData> {
  const { task } = await readTask(`${TASKS_DIR}colours`);
  const pick = (examples: readonly LabelledExample[], count: number) =>
    classes.flatMap((name, label) =>
      examples
        .filter((e) => task.classes[e.label] === name)
        .slice(0, count)
        .map((e) => ({ ...e, label })),
    );
  return { name: 'colours', classes, train: pick(task.train, train), test: pick(task.test, test) };
}

/** A solid-colour RGBA image. */
export function solidImage(width: number, height: number, rgb: readonly [number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return { width, height, data };
}
