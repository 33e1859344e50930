/** A CLIP from a folder in the Hub layout (Node): a downloaded Hub repository or models/tiny-clip. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClipModelFiles, collectModelFiles, isExternalDataOf } from '../model-files';

export async function readModelDir(dir: string): Promise<ClipModelFiles> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`${dir} is not a folder`);
  const read = async (path: string) => {
    try {
      return new Uint8Array(await readFile(join(dir, path)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };
  const onnxNames = await readdir(join(dir, 'onnx')).catch(() => []);
  const externalData = new Map<string, Uint8Array>();
  for (const name of onnxNames.filter(isExternalDataOf)) {
    externalData.set(name, new Uint8Array(await readFile(join(dir, 'onnx', name))));
  }
  return collectModelFiles(dir, read, externalData);
}
