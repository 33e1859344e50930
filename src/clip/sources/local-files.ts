/**
 * A CLIP from files the user dropped or picked (browser): a whole folder (paths from webkitRelativePath) or
 * loose files, matched by name.
 */
import { type ClipModelFiles, collectModelFiles, isExternalDataOf } from '../model-files';

/** What we need of a File: tests pass plain objects. */
export interface LocalFile {
  name: string;
  webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Finds each Hub-layout file: in a picked folder, the file at that path below the folder wins; otherwise the
 * one file with that base name. Two candidates with the same base name and no path to choose between them
 * is an error, not a guess.
 */
export async function readLocalModelFiles(files: readonly LocalFile[]): Promise<ClipModelFiles> {
  const belowPickedFolder = (f: LocalFile) => f.webkitRelativePath?.split('/').slice(1).join('/');
  const find = (path: string): LocalFile | null => {
    const atPath = files.find((f) => belowPickedFolder(f) === path);
    if (atPath) return atPath;
    const baseName = path.slice(path.lastIndexOf('/') + 1);
    const byName = files.filter((f) => f.name === baseName);
    if (byName.length > 1) {
      throw new Error(
        `${byName.length} dropped files are named ${baseName}: drop one model's folder at a time`,
      );
    }
    return byName[0] ?? null;
  };
  const read = async (path: string) => {
    const file = find(path);
    return file ? new Uint8Array(await file.arrayBuffer()) : null;
  };
  const externalData = new Map<string, Uint8Array>();
  for (const file of files.filter((f) => isExternalDataOf(f.name))) {
    externalData.set(file.name, new Uint8Array(await file.arrayBuffer()));
  }
  return collectModelFiles('the dropped files', read, externalData);
}
