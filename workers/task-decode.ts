// Task payloads from the page become the trainer's TaskData here, in the worker: decoding stays off the main
// thread, and a decoded image is kept by id so runs over the same task decode it once.
import { decodeImageBlob } from '../src/clip/decode/browser-decode';
import type { RgbaImage } from '../src/clip/preprocess';
import type { TaskPayload } from '../src/tasks/studio-task';
import type { LabelledExample, TaskData } from '../src/train/task-data';

const decoded = new Map<string, Promise<RgbaImage>>();

function decodeOnce(id: string, blob: Blob): Promise<RgbaImage> {
  let image = decoded.get(id);
  if (!image) {
    image = decodeImageBlob(blob, id);
    decoded.set(id, image);
    image.catch(() => decoded.delete(id));
  }
  return image;
}

export async function decodeTaskPayload(payload: TaskPayload): Promise<TaskData> {
  const examples = await Promise.all(
    payload.images.map(async ({ id, label, split, blob }) => ({
      split,
      example: { id, label, image: await decodeOnce(id, blob) } satisfies LabelledExample,
    })),
  );
  return {
    name: payload.name,
    classes: payload.classes,
    train: examples.filter((e) => e.split === 'train').map((e) => e.example),
    test: examples.filter((e) => e.split === 'test').map((e) => e.example),
  };
}
