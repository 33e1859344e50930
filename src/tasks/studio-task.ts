import { byCodeUnits } from './file-order';

/**
 * A task as the studio keeps it: classes the user names and edits, images stored as Blobs (IndexedDB
 * `images`, one record per image), the task's shot count and seed. `taskPayload` turns it into what crosses
 * to the engine worker, where `decodeTaskPayload` (workers/task-decode.ts) makes the trainer's TaskData.
 */

export interface StudioClass {
  id: string;
  name: string;
}

/** Where an image serves: the few-shot pool or the test split. */
export type ImageSplit = 'train' | 'test';

/** One stored image (IndexedDB record `images`). */
export interface StudioImage {
  id: string;
  taskId: string;
  classId: string;
  /** The file name it came from, for lists and messages. */
  fileName: string;
  split: ImageSplit;
  blob: Blob;
}

export type TaskOrigin = { kind: 'demo'; pack: string } | { kind: 'user' };

/** One stored task (IndexedDB record `tasks`); its images are the `images` records with its id. */
export interface StudioTask {
  id: string;
  name: string;
  origin: TaskOrigin;
  classes: StudioClass[];
  /** K for few-shot sampling, and the first seed of a run. */
  shots: number;
  seed: number;
  createdAt: number;
}

/** What the worker needs to train or evaluate on a task: class names in label order and labelled blobs. */
export interface TaskPayload {
  name: string;
  classes: string[];
  images: { id: string; label: number; split: ImageSplit; blob: Blob }[];
}

/** Images a class of dropped images needs before one of them is held out for testing. */
export const HOLD_OUT_FROM = 4;

/**
 * Dropped images have no split of their own: a quarter of each class (the last by file name, at least one
 * once a class has four) is held out for testing so every run reports accuracy on images it never saw.
 * Shipped packs keep their own split.
 */
export function heldOutForTest(fileNames: readonly string[]): Set<string> {
  const held = fileNames.length >= HOLD_OUT_FROM ? Math.max(1, Math.floor(fileNames.length / 4)) : 0;
  return new Set([...fileNames].sort().slice(fileNames.length - held));
}

export function taskPayload(task: StudioTask, images: readonly StudioImage[]): TaskPayload {
  const label = new Map(task.classes.map((c, i) => [c.id, i]));
  const empty = task.classes.filter(
    (c) => !images.some((image) => image.classId === c.id && image.split === 'train'),
  );
  if (task.classes.length < 2) throw new Error(`task "${task.name}" needs at least two classes to train`);
  if (empty.length > 0)
    throw new Error(
      `task "${task.name}": class ${empty.map((c) => `"${c.name}"`).join(', ')} has no training images; ` +
        'drop some onto its card or delete the class',
    );
  if (!images.some((image) => image.split === 'test')) throw new Error(noTestImages(task, images));
  return {
    name: task.name,
    classes: task.classes.map((c) => c.name),
    // Few-shot sampling draws from each class's images in the order given: file-name order, as the CLI
    // lists a folder, makes a seed pick the same images after a reload (IndexedDB returns them by id).
    images: [...images]
      .sort((a, b) => byCodeUnits(a.fileName, b.fileName))
      .flatMap((image) => {
        const index = label.get(image.classId);
        return index === undefined
          ? []
          : [{ id: image.id, label: index, split: image.split, blob: image.blob }];
      }),
  };
}

/** Why a task has nothing to test on, and how many images to add to which class to change that. */
function noTestImages(task: StudioTask, images: readonly StudioImage[]): string {
  const short = task.classes.map((c) => ({
    name: c.name,
    missing: HOLD_OUT_FROM - images.filter((image) => image.classId === c.id).length,
  }));
  const additions = short
    .filter((c) => c.missing > 0)
    .sort((a, b) => a.missing - b.missing)
    .map((c) => `${c.missing} ${c.missing === 1 ? 'image' : 'images'} to "${c.name}"`);
  return (
    `task "${task.name}" has no test images to score a run on: a class holds out a quarter of its images ` +
    `for testing once it has ${HOLD_OUT_FROM}, and none has yet. Add ${additions.join(', or ')}`
  );
}
