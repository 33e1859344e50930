/**
 * An image-classification task on disk in the ImageFolder layout (torchvision's, and our task packs'):
 *
 *     <task>/train/<class name>/<image>     <task>/test/<class name>/<image>
 *
 * Class names are the folder names, in code-unit order unless the caller gives the order (index.json's);
 * images within a class are in name order, so labels never depend on the file system. Files that are not
 * PNG or JPEG images are listed as skipped, with the reason, never dropped silently.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
// With its extension: Vite's config loader reaches this file through scripts/task-files-plugin.ts.
import { byCodeUnits } from './file-order.ts';

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface LabelledImage {
  path: string;
  label: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImageFolderTask {
  dir: string;
  classes: string[];
  /** The splits the folder has (at least one). */
  splits: Partial<Record<Split, LabelledImage[]>>;
  skipped: SkippedFile[];
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/**
 * Reads a task folder. With `classOrder`, every split's class folders must be exactly those classes (a
 * pack that disagrees with its index is an error); without, the classes are the union of the splits' folders.
 */
export async function readImageFolder(dir: string, classOrder?: readonly string[]): Promise<ImageFolderTask> {
  const skipped: SkippedFile[] = [];
  const found = new Map<Split, Map<string, string[]>>();
  for (const split of SPLITS) {
    const entries = await listDir(join(dir, split));
    if (entries === null) continue;
    const classes = new Map<string, string[]>();
    for (const entry of entries) {
      const path = join(dir, split, entry.name);
      if (!entry.isDirectory()) {
        skipped.push({ path, reason: 'not inside a class folder' });
        continue;
      }
      const images: string[] = [];
      for (const file of (await listDir(path)) ?? []) {
        const filePath = join(path, file.name);
        const reason = skipReason(file);
        if (reason) skipped.push({ path: filePath, reason });
        else images.push(filePath);
      }
      classes.set(entry.name, images);
    }
    found.set(split, classes);
  }
  if (found.size === 0)
    throw new Error(`${dir} has neither a train/ nor a test/ folder (ImageFolder layout)`);

  const folderNames = new Set([...found.values()].flatMap((classes) => [...classes.keys()]));
  if (classOrder) {
    for (const [split, classes] of found) {
      const missing = classOrder.filter((c) => !classes.has(c));
      const extra = [...classes.keys()].filter((c) => !classOrder.includes(c));
      if (missing.length > 0 || extra.length > 0) {
        throw new Error(
          `${join(dir, split)}: class folders do not match the task's classes` +
            (missing.length ? `; missing ${missing.join(', ')}` : '') +
            (extra.length ? `; unexpected ${extra.join(', ')}` : ''),
        );
      }
    }
  }
  const classes = classOrder ? [...classOrder] : [...folderNames].sort(byCodeUnits);
  const splits: ImageFolderTask['splits'] = {};
  for (const [split, byClass] of found) {
    splits[split] = classes.flatMap((name, label) =>
      (byClass.get(name) ?? []).sort(byCodeUnits).map((path) => ({ path, label })),
    );
  }
  skipped.sort((a, b) => byCodeUnits(a.path, b.path));
  return { dir, classes, splits, skipped };
}

function skipReason(file: Dirent): string | null {
  if (file.isDirectory()) return 'a folder inside a class folder';
  if (!file.isFile()) return 'not a regular file';
  const dot = file.name.lastIndexOf('.');
  const extension = dot > 0 ? file.name.slice(dot).toLowerCase() : '';
  if (!IMAGE_EXTENSIONS.includes(extension)) {
    return `not a PNG or JPEG image (${extension ? `extension ${extension}` : 'no extension'})`;
  }
  return null;
}

async function listDir(path: string): Promise<Dirent[] | null> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
