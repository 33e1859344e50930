/**
 * What the train, eval and predict commands read from disk: the frozen CLIP (with its identity, for prompt
 * sets), ImageFolder tasks decoded for the trainer, prompt set files and loose images.
 */
import { readFile } from 'node:fs/promises';
import { extname, relative } from 'node:path';
import { ImageDecodeError } from '../clip/decode/image-decode-error';
import { decodeImageBytes } from '../clip/decode/node-decode';
import { type ModelIdentity, modelIdentity } from '../prompts/model-identity';
import { type PromptSet, parsePromptSet } from '../prompts/prompt-set';
import { promptSetTextOfSafetensors } from '../prompts/safetensors-export';
import { readImageFolder, type SkippedFile } from '../tasks/image-folder';
import { type FrozenClip, loadFrozenClip } from '../train/frozen-clip';
import type { InputImage, LabelledExample, TaskData } from '../train/task-data';
import { type ParsedArgs, stringOption, UsageError } from './args';
import { loadModel } from './commands/zero-shot';
import { openCommandBackend } from './engine-backend';

export interface OpenedModel {
  clip: FrozenClip;
  identity: ModelIdentity;
}

/** `--model embedded|DIR|owner/name` (default embedded) on the backend the flags ask for. */
export async function openModel(
  args: ParsedArgs,
  spec = stringOption(args, 'model') ?? 'embedded',
): Promise<OpenedModel> {
  const files = await loadModel(spec);
  const identity = await modelIdentity(files, spec);
  return { clip: loadFrozenClip(files, await openCommandBackend(args)), identity };
}

export interface ReadTask {
  task: TaskData;
  /** Files listed but not used: not images, or images that did not decode. */
  skipped: SkippedFile[];
}

/**
 * An ImageFolder task decoded. `classOrder` (a prompt set's classes) fixes the labels, and the folder must
 * then have exactly those classes. Images that fail to decode are skipped with the decoder's reason.
 */
export async function readTask(dir: string, classOrder?: readonly string[]): Promise<ReadTask> {
  const folder = await readImageFolder(dir, classOrder);
  const skipped = [...folder.skipped];
  const decode = async (split: 'train' | 'test'): Promise<LabelledExample[]> => {
    const examples: LabelledExample[] = [];
    for (const { path, label } of folder.splits[split] ?? []) {
      try {
        examples.push({
          id: relative(dir, path),
          image: decodeImageBytes(await readFile(path), path),
          label,
        });
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        skipped.push({ path, reason: error.reason });
      }
    }
    return examples;
  };
  const name = dir.replace(/\/+$/, '').split('/').pop() ?? dir;
  return {
    task: { name, classes: folder.classes, train: await decode('train'), test: await decode('test') },
    skipped,
  };
}

export async function readPromptSetFile(path: string): Promise<PromptSet> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `${path} does not exist` : `${path}: ${error.message}`);
  });
  try {
    // train --out writes .safetensors or JSON, by the name's extension; both are read back.
    const text =
      extname(path) === '.safetensors' ? promptSetTextOfSafetensors(bytes) : bytes.toString('utf8');
    return parsePromptSet(text);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** Image files named on the command line, decoded; a file that is not an image fails the command. */
export async function readImages(paths: readonly string[]): Promise<InputImage[]> {
  if (paths.length === 0) throw new UsageError('name one or more image files');
  return Promise.all(
    paths.map(async (path) => ({ id: path, image: decodeImageBytes(await readFile(path), path) })),
  );
}
