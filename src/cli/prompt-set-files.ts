/**
 * Where `--out FILE` puts prompt sets when a command makes several: FILE with suffixes before its extension
 * (prompts.json → prompts-letters-seed2.json), and in which format (a `.safetensors` FILE gets the
 * safetensors export with the reference key names, anything else the JSON document).
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { PromptSet } from '../prompts/prompt-set';
import { serializePromptSet } from '../prompts/prompt-set';
import { promptSetSafetensors } from '../prompts/safetensors-export';

export function suffixedPath(out: string, suffixes: readonly string[]): string {
  const extension = extname(out);
  return `${out.slice(0, out.length - extension.length)}${suffixes.map((s) => `-${s}`).join('')}${extension}`;
}

export async function writePromptSet(path: string, set: PromptSet): Promise<void> {
  await writeFile(
    path,
    extname(path) === '.safetensors' ? promptSetSafetensors(set) : serializePromptSet(set),
  );
}
