import type { StateCreator } from 'zustand';
import { messageOf } from '../common/message-of';
import { classNameProblem } from '../methods/hyperparameter-bounds';
import { deleteAll, getAll, putAll, StorageError } from '../persistence/studio-db';
import { type DroppedPath, placeDroppedFiles, type SkippedFile } from '../tasks/dropped-paths';
import { checkImageFile } from '../tasks/image-file-check';
import { fetchShippedCatalog, fetchShippedImage, type ShippedCatalog } from '../tasks/shipped-packs';
import { type StudioImage, type StudioTask, type TaskPayload, taskPayload } from '../tasks/studio-task';
import {
  type AddedImage,
  checkedTaskName,
  imageCounts,
  type TaskEdit,
  TaskEditError,
  uniqueName,
  withClassAdded,
  withClassesMerged,
  withClassRenamed,
  withImagesAdded,
  withoutClass,
} from '../tasks/task-edits';
import { taskImages } from '../tasks/task-files';
import type { TaskInfo } from '../tasks/task-index';
import type { StudioState } from './studio-store';

/** K and the first seed a new task starts with: the few-shot setting the methods' papers report first. */
export const DEFAULT_SHOTS = 4;
export const DEFAULT_SEED = 1;

export interface TasksProgress {
  label: string;
  done: number;
  /** 0 where there is nothing to count (one write). */
  total: number;
}

export interface StudioTasksState {
  /** False until the stored tasks have been read (see `startTasks`). */
  loaded: boolean;
  /** Every task, oldest first. */
  list: StudioTask[];
  /** Each task's images by task id (Blobs the browser reads from disk when used). */
  images: Record<string, StudioImage[]>;
  /** Images per class: task id → class id → count (0 for a class with none is left out). */
  imageCounts: Record<string, Record<string, number>>;
  /** Of those, how many are held out for testing. */
  testCounts: Record<string, Record<string, number>>;
  selectedId: string | null;
  /** Work under way that takes a while (checking dropped files, fetching a pack), with its progress. */
  busy: TasksProgress | null;
  /** Files the last drop or pick left out, and why. */
  skipped: SkippedFile[];
  /** The last edit that failed, in words; what was stored before it is unchanged. */
  error: string | null;
  /** The shipped demo packs; null until fetched. */
  packs: TaskInfo[] | null;
  packsError: string | null;
}

export interface TasksSlice {
  studioTasks: StudioTasksState;
  /** Reads the stored tasks once, at startup (later calls wait for that read); asks for persistent storage. */
  startTasks(): Promise<void>;
  selectTask(taskId: string | null): void;
  /** A new empty user task, selected; its name is numbered if taken. Resolves to its id, null on failure. */
  createTask(name: string): Promise<string | null>;
  renameTask(taskId: string, name: string): Promise<void>;
  deleteTask(taskId: string): Promise<void>;
  setTaskSampling(taskId: string, sampling: { shots?: number; seed?: number }): Promise<void>;
  addClass(taskId: string, name: string): Promise<void>;
  renameClass(taskId: string, classId: string, name: string): Promise<void>;
  /** Moves `fromId`'s images into `intoId` and removes `fromId`. */
  mergeClasses(taskId: string, fromId: string, intoId: string): Promise<void>;
  /** Removes the class and its images. */
  deleteClass(taskId: string, classId: string): Promise<void>;
  /**
   * Checks and stores dropped or picked files: into `classId` (a class card), or with `classId` null into
   * classes named by their folders (see placeDroppedFiles), created where missing. Files that are not
   * images or do not decode are listed in `skipped` with the reason.
   */
  addImages(taskId: string, classId: string | null, files: readonly DroppedPath<File>[]): Promise<void>;
  /** A new task from the dropped folder(s), named after the first; resolves to its id. */
  createTaskFromFiles(files: readonly DroppedPath<File>[]): Promise<string | null>;
  loadDemoPacks(): Promise<void>;
  /** Stores a shipped pack as a task with its own train/test split (or selects it if already stored). */
  loadDemoTask(pack: string): Promise<string | null>;
  dismissSkipped(): void;
  dismissTasksError(): void;
  /** What the engine worker trains and evaluates on; throws a message for the user if it cannot train. */
  taskPayloadFor(taskId: string): Promise<TaskPayload>;
}

/** Files checked (or pack images fetched) at once: enough to overlap reads and decodes, few enough for 2 cores. */
const CONCURRENCY = 4;
/** Progress is shown a few times a second, not once per file. */
const PROGRESS_INTERVAL_MS = 150;

async function mapConcurrently<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  onDone: (done: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

export const createTasksSlice: StateCreator<StudioState, [], [], TasksSlice> = (set, get) => {
  const state = () => get().studioTasks;
  const update = (change: Partial<StudioTasksState>) => set({ studioTasks: { ...state(), ...change } });
  const newId = () => crypto.randomUUID();

  const progress = (label: string, total: number) => {
    let shown = 0;
    update({ busy: { label, done: 0, total } });
    return (done: number) => {
      const now = performance.now();
      if (done < total && now - shown < PROGRESS_INTERVAL_MS) return;
      shown = now;
      update({ busy: { label, done, total } });
    };
  };

  /** The state with one task's record and images replaced (or added), counts kept in step. */
  const withTask = (task: StudioTask, images: StudioImage[]): Partial<StudioTasksState> => {
    const { list, images: all, imageCounts: totals, testCounts } = state();
    const counts = imageCounts(images);
    const known = list.some((t) => t.id === task.id);
    return {
      list: known ? list.map((t) => (t.id === task.id ? task : t)) : [...list, task],
      images: { ...all, [task.id]: images },
      imageCounts: { ...totals, [task.id]: counts.total },
      testCounts: { ...testCounts, [task.id]: counts.test },
    };
  };

  const taskById = (taskId: string): StudioTask => {
    const task = state().list.find((t) => t.id === taskId);
    if (!task) throw new TaskEditError('there is no such task (was it deleted?)');
    return task;
  };
  const imagesOf = (taskId: string) => state().images[taskId] ?? [];

  // Edits run one after another, each reading the state its predecessor left: two drops at once cannot
  // both create the same class, and a rename cannot be overwritten by a slower drop. The first waits for
  // the stored tasks, so reading them cannot undo an edit made meanwhile.
  let queue: Promise<unknown> = Promise.resolve();
  const act = <T>(action: string, work: () => Promise<T>): Promise<T | null> => {
    const run = queue.then(async () => {
      await get().startTasks();
      update({ error: null });
      try {
        return await work();
      } catch (error) {
        // Storage errors name the write and say nothing was changed; edit errors say what to do instead.
        const known = error instanceof StorageError || error instanceof TaskEditError;
        update({ error: known ? messageOf(error) : `${action} failed: ${messageOf(error)}` });
        return null;
      } finally {
        update({ busy: null });
      }
    });
    queue = run;
    return run;
  };

  /** Stores an edit, then shows it: on a failed write the page keeps showing what is stored. */
  const commit = async (edit: TaskEdit, action: string) => {
    await putAll({ tasks: [edit.task], images: edit.put }, action);
    const put = new Map(edit.put.map((image) => [image.id, image]));
    const removed = new Set(edit.removed);
    const kept = imagesOf(edit.task.id).filter((image) => !removed.has(image.id) && !put.has(image.id));
    update(withTask(edit.task, [...kept, ...put.values()]));
    // A second transaction: if it fails the images stay in the database unreferenced, and the next start
    // removes them (see load); the task itself is already stored without them.
    if (edit.removed.length > 0) await deleteAll({ images: edit.removed }, action);
    void get().refreshStorage();
  };

  const load = async () => {
    void get().startStorage();
    try {
      const [tasks, images] = await Promise.all([getAll<StudioTask>('tasks'), getAll<StudioImage>('images')]);
      const list = tasks.sort((a, b) => a.createdAt - b.createdAt);
      const classIds = new Map(list.map((t) => [t.id, new Set(t.classes.map((c) => c.id))]));
      const byTask: Record<string, StudioImage[]> = Object.fromEntries(list.map((t) => [t.id, []]));
      const unreferenced: string[] = [];
      for (const image of images) {
        if (classIds.get(image.taskId)?.has(image.classId)) byTask[image.taskId]?.push(image);
        else unreferenced.push(image.id);
      }
      const totals: StudioTasksState['imageCounts'] = {};
      const tests: StudioTasksState['testCounts'] = {};
      for (const task of list) {
        const counts = imageCounts(byTask[task.id] ?? []);
        totals[task.id] = counts.total;
        tests[task.id] = counts.test;
      }
      update({
        loaded: true,
        list,
        images: byTask,
        imageCounts: totals,
        testCounts: tests,
        selectedId: state().selectedId ?? list[0]?.id ?? null,
      });
      if (unreferenced.length > 0)
        void act('tidying the database', () =>
          deleteAll({ images: unreferenced }, 'removing images of deleted classes'),
        );
    } catch (error) {
      update({ loaded: true, error: `the stored tasks could not be read: ${messageOf(error)}` });
    }
  };

  let loading: Promise<void> | null = null;
  let catalog: Promise<ShippedCatalog> | null = null;
  const shippedCatalog = () => {
    catalog ??= fetchShippedCatalog();
    // A failed fetch is not kept: the next call tries again.
    catalog.catch(() => {
      catalog = null;
    });
    return catalog;
  };

  /** A new task's record (not stored yet), its name numbered if taken. */
  const newTask = (name: string, origin: StudioTask['origin']): StudioTask => {
    const trimmed = name.trim();
    if (!trimmed) throw new TaskEditError('a task needs a name');
    return {
      id: newId(),
      name: uniqueName(trimmed, new Set(state().list.map((t) => t.name))),
      origin,
      classes: [],
      shots: DEFAULT_SHOTS,
      seed: DEFAULT_SEED,
      createdAt: Date.now(),
    };
  };

  /**
   * Refuses class names the loaded model's text context cannot hold, before anything is stored: a name
   * that long would only fail later, when a method trains. With no model loaded yet there is nothing to
   * count against, and the Train panel checks again.
   */
  const checkNamesFit = async (names: readonly string[]) => {
    const loaded = get().model.loaded;
    const trimmed = [...new Set(names.map((name) => name.trim()))].filter(Boolean);
    if (!loaded || trimmed.length === 0) return;
    const counts = await get().countTokens(trimmed);
    for (const name of trimmed) {
      const tokens = counts?.[name];
      const problem =
        tokens === undefined ? null : classNameProblem(name, tokens, loaded.summary.text.contextLength);
      if (problem) throw new TaskEditError(problem);
    }
  };

  /** Places and checks dropped files; the skipped ones are shown at once, whatever happens next. */
  const checkDropped = async (files: readonly DroppedPath<File>[], onto: string | null) => {
    const { placed, skipped } = placeDroppedFiles(files, onto);
    const onDone = progress('Checking the dropped files', placed.length);
    const checks = await mapConcurrently(placed, (p) => checkImageFile(p.file), onDone);
    const added: AddedImage[] = [];
    checks.forEach((check, i) => {
      const file = placed[i];
      if (!file) return;
      if (check.ok) added.push({ className: file.className, fileName: file.fileName, blob: check.blob });
      else skipped.push({ path: file.path, reason: check.reason });
    });
    update({ skipped });
    return added;
  };

  const storingImages = (count: number) =>
    update({ busy: { label: `Storing ${count} ${count === 1 ? 'image' : 'images'}`, done: 0, total: 0 } });

  return {
    studioTasks: {
      loaded: false,
      list: [],
      images: {},
      imageCounts: {},
      testCounts: {},
      selectedId: null,
      busy: null,
      skipped: [],
      error: null,
      packs: null,
      packsError: null,
    },

    startTasks() {
      loading ??= load();
      return loading;
    },

    selectTask(taskId) {
      update({ selectedId: taskId });
    },

    async createTask(name) {
      return act('creating a task', async () => {
        const task = newTask(name, { kind: 'user' });
        await commit({ task, put: [], removed: [] }, `creating the task ${task.name}`);
        update({ selectedId: task.id });
        return task.id;
      });
    },

    async renameTask(taskId, name) {
      await act('renaming the task', async () => {
        const task = taskById(taskId);
        const renamed = { ...task, name: checkedTaskName(name, state().list, taskId) };
        await commit({ task: renamed, put: [], removed: [] }, `renaming ${task.name}`);
      });
    },

    async deleteTask(taskId) {
      await act('deleting the task', async () => {
        const task = taskById(taskId);
        const images = imagesOf(taskId).map((i) => i.id);
        // Its runs stop first, so that none finishes and saves a result for a task that is gone.
        await get().cancelRunsOnTask(task.name);
        await deleteAll({ tasks: [taskId], images }, `deleting ${task.name}`);
        const { list, images: all, imageCounts: totals, testCounts, selectedId } = state();
        const rest = list.filter((t) => t.id !== taskId);
        const without = <V>(record: Record<string, V>) =>
          Object.fromEntries(Object.entries(record).filter(([id]) => id !== taskId));
        update({
          list: rest,
          images: without(all),
          imageCounts: without(totals),
          testCounts: without(testCounts),
          selectedId: selectedId === taskId ? (rest[0]?.id ?? null) : selectedId,
        });
        void get().refreshStorage();
      });
    },

    async setTaskSampling(taskId, { shots, seed }) {
      await act('changing shots and seed', async () => {
        const task = taskById(taskId);
        if (shots !== undefined && !(Number.isInteger(shots) && shots >= 1))
          throw new TaskEditError('shots must be a whole number, 1 or more');
        if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
          throw new TaskEditError('the seed must be a whole number, 0 or more');
        const changed = { ...task, shots: shots ?? task.shots, seed: seed ?? task.seed };
        await commit({ task: changed, put: [], removed: [] }, `saving shots and seed of ${task.name}`);
      });
    },

    async addClass(taskId, name) {
      await act('adding a class', async () => {
        const task = taskById(taskId);
        await checkNamesFit([name]);
        await commit(
          { task: withClassAdded(task, name, newId()), put: [], removed: [] },
          `adding a class to ${task.name}`,
        );
      });
    },

    async renameClass(taskId, classId, name) {
      await act('renaming the class', async () => {
        const task = taskById(taskId);
        await checkNamesFit([name]);
        await commit(
          { task: withClassRenamed(task, classId, name), put: [], removed: [] },
          `renaming a class of ${task.name}`,
        );
      });
    },

    async mergeClasses(taskId, fromId, intoId) {
      await act('merging the classes', async () => {
        const task = taskById(taskId);
        await commit(
          withClassesMerged(task, imagesOf(taskId), fromId, intoId),
          `merging classes of ${task.name}`,
        );
      });
    },

    async deleteClass(taskId, classId) {
      await act('deleting the class', async () => {
        const task = taskById(taskId);
        await commit(withoutClass(task, imagesOf(taskId), classId), `deleting a class of ${task.name}`);
      });
    },

    async addImages(taskId, classId, files) {
      await act('adding images', async () => {
        const task = taskById(taskId);
        const onto = classId === null ? null : task.classes.find((c) => c.id === classId)?.name;
        if (onto === undefined) throw new TaskEditError(`${task.name} has no such class (was it deleted?)`);
        const added = await checkDropped(files, onto);
        if (added.length === 0) return;
        await checkNamesFit(added.map((a) => a.className));
        storingImages(added.length);
        await commit(
          withImagesAdded(taskById(taskId), imagesOf(taskId), added, newId),
          `adding ${added.length} images to ${task.name}`,
        );
      });
    },

    async createTaskFromFiles(files) {
      return act('creating a task from the folder', async () => {
        const added = await checkDropped(files, null);
        if (added.length === 0) return null;
        await checkNamesFit(added.map((a) => a.className));
        const folders = new Set(files.map((f) => f.path.split('/').find(Boolean)));
        const [folder] = folders;
        const task = newTask(folders.size === 1 && folder ? folder : 'New task', { kind: 'user' });
        storingImages(added.length);
        // The task and its images in one write: a failure leaves no empty task behind.
        await commit(withImagesAdded(task, [], added, newId), `creating the task ${task.name}`);
        update({ selectedId: task.id });
        return task.id;
      });
    },

    async loadDemoPacks() {
      if (state().packs) return;
      try {
        update({ packs: (await shippedCatalog()).tasks, packsError: null });
      } catch (error) {
        update({ packsError: messageOf(error) });
      }
    },

    async loadDemoTask(pack) {
      return act(`loading the demo pack ${pack}`, async () => {
        const stored = state().list.find((t) => t.origin.kind === 'demo' && t.origin.pack === pack);
        if (stored) {
          update({ selectedId: stored.id });
          return stored.id;
        }
        const { tasks, files } = await shippedCatalog();
        const info = tasks.find((t) => t.name === pack);
        if (!info) throw new TaskEditError(`there is no demo pack named "${pack}"`);
        const classes = info.classes.map((name) => ({ id: newId(), name }));
        const entries = (['train', 'test'] as const).flatMap((split) =>
          taskImages(files, info, split).map((image) => ({ ...image, split })),
        );
        const onDone = progress(`Fetching the ${info.title} pack`, entries.length);
        const blobs = await mapConcurrently(entries, (e) => fetchShippedImage(e.path), onDone);
        const task = { ...newTask(info.title, { kind: 'demo', pack }), classes };
        const images = entries.map(
          (entry, i): StudioImage => ({
            id: newId(),
            taskId: task.id,
            classId: classes[entry.label]?.id ?? '',
            // Below the pack (`train/red/000.png`): unique within the task, so merged classes never clash.
            fileName: entry.path.slice(pack.length + 1),
            split: entry.split,
            blob: blobs[i] as Blob,
          }),
        );
        storingImages(images.length);
        await commit({ task, put: images, removed: [] }, `storing the ${info.title} pack`);
        update({ selectedId: task.id });
        return task.id;
      });
    },

    dismissSkipped() {
      update({ skipped: [] });
    },

    dismissTasksError() {
      update({ error: null });
    },

    async taskPayloadFor(taskId) {
      await get().startTasks();
      // Edits asked for before this call land first, so the payload is the task as the user left it.
      await queue;
      const task = state().list.find((t) => t.id === taskId);
      if (!task) throw new Error('there is no such task (was it deleted?)');
      return taskPayload(task, imagesOf(taskId));
    },
  };
};
