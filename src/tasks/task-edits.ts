/**
 * Edits of a studio task as pure functions: each takes the task and its images and returns the records to
 * write, so the store writes them in one transaction and changes its state only once they are stored.
 *
 * File names are kept unique within a class: the test split is chosen by file name (`heldOutForTest`), and a
 * list of a class's images should not show two of the same name.
 */
import { heldOutForTest, type StudioImage, type StudioTask } from './studio-task';

/** An edit the task does not allow, said so that the user knows what to do instead. */
export class TaskEditError extends Error {
  override name = 'TaskEditError';
}

export interface AddedImage {
  className: string;
  fileName: string;
  blob: Blob;
}

export interface TaskEdit {
  task: StudioTask;
  /** Images to store (new, moved or with a new split). */
  put: StudioImage[];
  /** Images to delete. */
  removed: string[];
}

/** `name`, or `name (2)`, `name (3)`… (before the extension, `a (2).png`) when that is taken. */
export function uniqueName(name: string, taken: ReadonlySet<string>, keepExtension = false): string {
  const dot = keepExtension ? name.lastIndexOf('.') : -1;
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${stem} (${n})${extension}`;
  return candidate;
}

export function checkedTaskName(name: string, tasks: readonly StudioTask[], renaming?: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new TaskEditError('a task needs a name');
  if (tasks.some((t) => t.id !== renaming && t.name.toLowerCase() === trimmed.toLowerCase()))
    throw new TaskEditError(`there is already a task named "${trimmed}"`);
  return trimmed;
}

function checkedClassName(task: StudioTask, name: string, renaming?: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new TaskEditError('a class needs a name');
  const same = task.classes.find((c) => c.id !== renaming && c.name.toLowerCase() === trimmed.toLowerCase());
  if (same)
    throw new TaskEditError(
      `${task.name} already has a class "${same.name}"; to put the two together, merge them`,
    );
  return trimmed;
}

function classOf(task: StudioTask, classId: string) {
  const found = task.classes.find((c) => c.id === classId);
  if (!found) throw new TaskEditError(`${task.name} has no such class (was it deleted?)`);
  return found;
}

export function withClassAdded(task: StudioTask, name: string, id: string): StudioTask {
  return { ...task, classes: [...task.classes, { id, name: checkedClassName(task, name) }] };
}

export function withClassRenamed(task: StudioTask, classId: string, name: string): StudioTask {
  classOf(task, classId);
  const checked = checkedClassName(task, name, classId);
  return { ...task, classes: task.classes.map((c) => (c.id === classId ? { ...c, name: checked } : c)) };
}

/**
 * The splits of a class after its images changed. A user task holds out a quarter of the class again; a
 * demo task keeps its pack's split, and only images added now are split among themselves.
 */
function resplit(
  task: StudioTask,
  classImages: readonly StudioImage[],
  added: ReadonlySet<string>,
): StudioImage[] {
  const splitting = task.origin.kind === 'user' ? classImages : classImages.filter((i) => added.has(i.id));
  const held = heldOutForTest(splitting.map((i) => i.fileName));
  return splitting.flatMap((image) => {
    const split = held.has(image.fileName) ? 'test' : 'train';
    return split === image.split && !added.has(image.id) ? [] : [{ ...image, split }];
  });
}

/** Images dropped into classes by name; classes that do not exist yet are created, in order of first use. */
export function withImagesAdded(
  task: StudioTask,
  images: readonly StudioImage[],
  added: readonly AddedImage[],
  newId: () => string,
): TaskEdit {
  const classes = [...task.classes];
  const byName = new Map(classes.map((c) => [c.name.toLowerCase(), c]));
  const taken = new Map<string, Set<string>>();
  const namesIn = (classId: string) => {
    let names = taken.get(classId);
    if (!names) {
      names = new Set(images.filter((i) => i.classId === classId).map((i) => i.fileName));
      taken.set(classId, names);
    }
    return names;
  };
  const fresh: StudioImage[] = added.map(({ className, fileName, blob }) => {
    const key = className.trim().toLowerCase();
    let target = byName.get(key);
    if (!target) {
      target = { id: newId(), name: checkedClassName({ ...task, classes }, className) };
      classes.push(target);
      byName.set(key, target);
    }
    const names = namesIn(target.id);
    const unique = uniqueName(fileName, names, true);
    names.add(unique);
    return { id: newId(), taskId: task.id, classId: target.id, fileName: unique, split: 'train', blob };
  });
  const edited = { ...task, classes };
  const addedIds = new Set(fresh.map((i) => i.id));
  const all = [...images, ...fresh];
  const put = [...new Set(fresh.map((i) => i.classId))].flatMap((classId) =>
    resplit(
      edited,
      all.filter((i) => i.classId === classId),
      addedIds,
    ),
  );
  return { task: edited, put, removed: [] };
}

/** `from`'s images move into `into` (renamed where their names clash) and `from` goes. */
export function withClassesMerged(
  task: StudioTask,
  images: readonly StudioImage[],
  fromId: string,
  intoId: string,
): TaskEdit {
  classOf(task, fromId);
  classOf(task, intoId);
  if (fromId === intoId) throw new TaskEditError('a class cannot be merged into itself');
  const names = new Set(images.filter((i) => i.classId === intoId).map((i) => i.fileName));
  const moved = images
    .filter((i) => i.classId === fromId)
    .map((image) => {
      const fileName = uniqueName(image.fileName, names, true);
      names.add(fileName);
      return { ...image, classId: intoId, fileName };
    });
  const merged = [...images.filter((i) => i.classId === intoId), ...moved];
  const resplitTo = new Map(resplit(task, merged, new Set()).map((i) => [i.id, i.split]));
  const movedIds = new Set(moved.map((i) => i.id));
  const put = merged.flatMap((image) => {
    const split = resplitTo.get(image.id);
    return split === undefined && !movedIds.has(image.id) ? [] : [{ ...image, split: split ?? image.split }];
  });
  return { task: { ...task, classes: task.classes.filter((c) => c.id !== fromId) }, put, removed: [] };
}

/** The class goes with its images; the other classes keep theirs as they are. */
export function withoutClass(task: StudioTask, images: readonly StudioImage[], classId: string): TaskEdit {
  classOf(task, classId);
  return {
    task: { ...task, classes: task.classes.filter((c) => c.id !== classId) },
    put: [],
    removed: images.filter((i) => i.classId === classId).map((i) => i.id),
  };
}

/** Images per class id, and how many of them are held out for testing. */
export function imageCounts(images: readonly StudioImage[]): {
  total: Record<string, number>;
  test: Record<string, number>;
} {
  const total: Record<string, number> = {};
  const test: Record<string, number> = {};
  for (const image of images) {
    total[image.classId] = (total[image.classId] ?? 0) + 1;
    if (image.split === 'test') test[image.classId] = (test[image.classId] ?? 0) + 1;
  }
  return { total, test };
}
