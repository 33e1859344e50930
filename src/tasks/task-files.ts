/**
 * tasks/files.json: every image of every shipped task pack, by task, split and class. A browser cannot list
 * a folder, so the build writes this listing from public/tasks (scripts/task-files-plugin.ts) with the same
 * reader the Node commands use; nothing is committed that could drift from the folders.
 */
import type { Split } from './image-folder';
import type { TaskInfo } from './task-index';

/** task → split → class folder → image file names, in code-unit order (as readImageFolder sorts them). */
export type TaskFileListing = Record<string, Partial<Record<Split, Record<string, string[]>>>>;

/** One image of a pack: its path below tasks/ (e.g. `colours/test/red/000.png`) and its class index. */
export interface TaskImage {
  path: string;
  label: number;
}

export function parseTaskFileListing(json: unknown): TaskFileListing {
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const fail = (why: string): never => {
    throw new Error(`tasks files.json: ${why}`);
  };
  if (!isRecord(json)) fail('not an object of tasks');
  for (const [task, splits] of Object.entries(json as Record<string, unknown>)) {
    if (!isRecord(splits)) fail(`${task} is not an object of splits`);
    for (const [split, classes] of Object.entries(splits as Record<string, unknown>)) {
      if (!isRecord(classes)) fail(`${task}/${split} is not an object of classes`);
      for (const [name, files] of Object.entries(classes as Record<string, unknown>)) {
        if (!Array.isArray(files) || !files.every((f) => typeof f === 'string'))
          fail(`${task}/${split}/${name} is not a list of file names`);
      }
    }
  }
  return json as TaskFileListing;
}

/** A split's images in the index's class order, so labels index `task.classes`. */
export function taskImages(listing: TaskFileListing, task: TaskInfo, split: Split): TaskImage[] {
  const byClass = listing[task.name]?.[split];
  if (!byClass) throw new Error(`tasks files.json lists no ${split} images for ${task.name}`);
  return task.classes.flatMap((name, label) =>
    (byClass[name] ?? []).map((file) => ({ path: `${task.name}/${split}/${name}/${file}`, label })),
  );
}
