/**
 * Which class each dropped or picked file goes to, from its path alone (the bytes are checked later).
 *
 * Paths start at what was dropped or picked: `pets/cat/01.png` for a folder `pets`, `01.png` for a loose file.
 * A folder of folders is a task: each subfolder is a class, and images in folders deeper down belong to the
 * subfolder they are under (as torchvision's ImageFolder reads a dataset). A folder holding only images is one
 * class, named after the folder. Files dropped onto a class card go to that class, whatever folders they
 * came in.
 */

export interface DroppedPath<F> {
  /** Relative to what was dropped or picked; `/` separated, a leading `/` (a drop's fullPath) is ignored. */
  path: string;
  file: F;
}

export interface PlacedFile<F> {
  className: string;
  /** The file's name without its folders. */
  fileName: string;
  path: string;
  file: F;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Placement<F> {
  placed: PlacedFile<F>[];
  skipped: SkippedFile[];
}

/** Files operating systems and archivers leave in folders, which are never part of a data set. */
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', '__macosx']);

function ignoredReason(segments: readonly string[]): string | null {
  const name = segments[segments.length - 1] ?? '';
  if (name.startsWith('.')) return 'hidden file';
  const hiddenFolder = segments.slice(0, -1).find((s) => s.startsWith('.'));
  if (hiddenFolder) return `in the hidden folder ${hiddenFolder}`;
  const system = segments.find((s) => SYSTEM_FILES.has(s.toLowerCase()));
  if (system) return `${system} is left by the operating system, not part of the data`;
  return null;
}

const segmentsOf = (path: string) => path.split('/').filter((s) => s !== '' && s !== '.');

/** Places every file in a class by name (`ontoClass` for a drop onto a class card), or says why not. */
export function placeDroppedFiles<F>(
  files: readonly DroppedPath<F>[],
  ontoClass: string | null = null,
): Placement<F> {
  const kept: { segments: string[]; dropped: DroppedPath<F> }[] = [];
  const skipped: SkippedFile[] = [];
  for (const dropped of files) {
    const segments = segmentsOf(dropped.path);
    const reason = segments.length === 0 ? 'no file name' : ignoredReason(segments);
    if (reason) skipped.push({ path: dropped.path, reason });
    else kept.push({ segments, dropped });
  }
  // Folders with subfolders are tasks; only those lose the images lying loose at their top.
  const foldersOfFolders = new Set(kept.filter((k) => k.segments.length >= 3).map((k) => k.segments[0]));
  const placed: PlacedFile<F>[] = [];
  for (const { segments, dropped } of kept) {
    const [top = '', sub = ''] = segments;
    const fileName = segments[segments.length - 1] ?? '';
    const place = (className: string) =>
      placed.push({ className, fileName, path: dropped.path, file: dropped.file });
    if (ontoClass !== null) place(ontoClass);
    else if (segments.length >= 3) place(sub);
    else if (segments.length === 1)
      skipped.push({
        path: dropped.path,
        reason: 'a loose file: drop it onto a class card, or drop a folder with a subfolder per class',
      });
    else if (foldersOfFolders.has(top))
      skipped.push({ path: dropped.path, reason: `at the top of ${top}, not in a class subfolder` });
    else place(top);
  }
  return { placed, skipped };
}
