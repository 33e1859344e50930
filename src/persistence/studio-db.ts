/**
 * The studio's IndexedDB: what a reload must find again. One object store per kind of record, each keyed by
 * its `id`; image files live in `images` as Blobs (IndexedDB stores them out of line, as files), so a task
 * record stays small and lists quickly.
 *
 * Every write is one transaction: it lands whole or not at all, so a quota or write error leaves what was
 * stored before untouched, and the error names what could not be saved and why.
 */

export const STORES = [
  'tasks',
  'images',
  'runs',
  'promptSets',
  'matrices',
  'sessions',
  'checkpoints',
] as const;
export type StoreName = (typeof STORES)[number];

const DB_NAME = 'prompt-studio';
/** 2: running sessions and their runs' checkpoints, so a reload can resume them. */
const DB_VERSION = 2;

export interface Stored {
  id: string;
}

export class StorageError extends Error {
  override name = 'StorageError';
}

function storageError(error: DOMException | Error | null, action: string): StorageError {
  if (error?.name === 'QuotaExceededError')
    return new StorageError(
      `${action} failed: the browser's storage quota for this page is full. Delete tasks in the Tasks ` +
        'panel, or prompt sets in the Library, to make room; nothing stored before was changed.',
    );
  return new StorageError(
    `${action} failed: ${error?.message ?? 'unknown storage error'}; nothing stored before was changed.`,
  );
}

let opening: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(
        new StorageError('this browser has no IndexedDB: the studio cannot keep anything across reloads'),
      );
      return;
    }
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      for (const name of STORES)
        if (!request.result.objectStoreNames.contains(name))
          request.result.createObjectStore(name, { keyPath: 'id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error, 'opening the studio database'));
    request.onblocked = () =>
      reject(new StorageError('the studio database is open in an older tab: close it and reload'));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

/** Runs `work` in one transaction over `stores` and resolves once it has committed. */
async function transact<T>(
  stores: readonly StoreName[],
  mode: IDBTransactionMode,
  action: string,
  work: (transaction: IDBTransaction) => IDBRequest<T> | undefined,
): Promise<T | undefined> {
  const db = await database();
  return new Promise<T | undefined>((resolve, reject) => {
    let transaction: IDBTransaction;
    try {
      transaction = db.transaction(stores, mode);
    } catch (error) {
      reject(storageError(error as DOMException, action));
      return;
    }
    transaction.oncomplete = () => resolve(request?.result);
    transaction.onerror = () => reject(storageError(transaction.error, action));
    transaction.onabort = () => reject(storageError(transaction.error, action));
    let request: IDBRequest<T> | undefined;
    try {
      request = work(transaction);
    } catch (error) {
      // A put that throws at once (a value that cannot be cloned) must not let the earlier puts commit.
      transaction.abort();
      reject(storageError(error as Error, action));
    }
  });
}

export async function getAll<T extends Stored>(store: StoreName): Promise<T[]> {
  return ((await transact(
    [store],
    'readonly',
    `reading ${store}`,
    (t) => t.objectStore(store).getAll() as IDBRequest<T[]>,
  )) ?? []) as T[];
}

/** Writes records to several stores at once (a task with its images): all of them, or none. */
export async function putAll(
  records: Partial<Record<StoreName, readonly Stored[]>>,
  action: string,
): Promise<void> {
  await writeAll(records, {}, action);
}

/** Writes some records and deletes others (by id), in one transaction: all of it, or none. */
export async function writeAll(
  records: Partial<Record<StoreName, readonly Stored[]>>,
  deletions: Partial<Record<StoreName, readonly string[]>>,
  action: string,
): Promise<void> {
  const touched = (name: StoreName) => (records[name]?.length ?? 0) + (deletions[name]?.length ?? 0) > 0;
  const stores = STORES.filter(touched);
  if (stores.length === 0) return;
  await transact(stores, 'readwrite', action, (t) => {
    for (const name of stores) {
      for (const id of deletions[name] ?? []) t.objectStore(name).delete(id);
      for (const record of records[name] ?? []) t.objectStore(name).put(record);
    }
    return undefined;
  });
}

export async function put<T extends Stored>(store: StoreName, record: T, action: string): Promise<void> {
  await putAll({ [store]: [record] }, action);
}

/** Deletes by id from several stores in one transaction. */
export async function deleteAll(
  ids: Partial<Record<StoreName, readonly string[]>>,
  action: string,
): Promise<void> {
  await writeAll({}, ids, action);
}
