import type { DroppedPath } from '../tasks/dropped-paths';

/**
 * Every file under what was dropped: loose files as they are, folders walked (a dropped folder arrives as
 * one entry, not as its files). Model sources match files by name, so the folder structure is not kept.
 */
export async function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  return (await droppedFilePaths(transfer)).map(({ file }) => file);
}

/**
 * The same files with their paths below what was dropped (`pets/cat/01.png`), for task folders whose
 * subfolders are classes.
 */
export async function droppedFilePaths(transfer: DataTransfer): Promise<DroppedPath<File>[]> {
  // Entries must be taken while the drop event is being handled; the DataTransfer empties afterwards.
  const entries = Array.from(transfer.items, (item) => item.webkitGetAsEntry()).filter(
    (entry): entry is FileSystemEntry => entry !== null,
  );
  if (entries.length === 0) return Array.from(transfer.files, (file) => ({ path: file.name, file }));
  return (await Promise.all(entries.map(filesUnder))).flat();
}

async function filesUnder(entry: FileSystemEntry): Promise<DroppedPath<File>[]> {
  if (isFile(entry)) {
    const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject));
    return [{ path: entry.fullPath.replace(/^\//, ''), file }];
  }
  if (!isDirectory(entry)) return [];
  const reader = entry.createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns a directory in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(filesUnder))).flat();
}

const isFile = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;
const isDirectory = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry => entry.isDirectory;
