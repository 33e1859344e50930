import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type ClipEncoder, engineEncoder, ortEncoder } from '../../clip/clip-encoder';
import { readImageFile } from '../../clip/decode/node-decode';
import type { ClipModelFiles } from '../../clip/model-files';
import { fetchHubModel } from '../../clip/sources/hub';
import { readModelDir } from '../../clip/sources/node-dir';
import {
  type AccuracyReport,
  accuracy,
  classPrompts,
  classTextFeatures,
  DEFAULT_TEMPLATE,
  type Matrix,
  parseTemplates,
  stackRows,
  zeroShotLogits,
} from '../../clip/zero-shot';
import {
  type ImageFolderTask,
  readImageFolder,
  type SkippedFile,
  SPLITS,
  type Split,
} from '../../tasks/image-folder';
import { parseTaskIndex, type TaskInfo } from '../../tasks/task-index';
import { type ParsedArgs, UsageError } from '../args';
import { openChosenBackend } from '../backend-choice';
import { emit, table } from '../output';

const EMBEDDED_MODEL_DIR = new URL('../../../models/tiny-clip/', import.meta.url).pathname;
/** Images decoded at a time: bounds memory for folders of large photos. */
const DECODE_CHUNK = 64;

interface TaskResult {
  task: string;
  role: TaskInfo['role'] | null;
  classes: string[];
  images: number;
  accuracy: AccuracyReport;
  skipped: SkippedFile[];
}

/**
 * Zero-shot accuracy of a CLIP on ImageFolder tasks: `--task DIR` for one folder, `--tasks DIR` for every
 * pack listed in DIR/index.json. Templates: `--template T` (one), or `--templates FILE` (one per line: the
 * class text features are then CLIP's ensemble over them).
 */
export async function zeroShot(args: ParsedArgs): Promise<number> {
  const option = (name: string) => {
    const value = args.options.get(name);
    if (value === true) throw new UsageError(`--${name} needs a value`);
    return value;
  };
  const split = option('split') ?? 'test';
  if (!SPLITS.includes(split as Split)) throw new UsageError(`--split must be ${SPLITS.join(' or ')}`);
  const backend = option('backend') ?? 'onnx';
  if (backend !== 'onnx' && backend !== 'engine') throw new UsageError('--backend must be onnx or engine');
  const templates = await readTemplates(option('template'), option('templates'));
  const taskDir = option('task');
  const tasksDir = option('tasks');
  if ((taskDir === undefined) === (tasksDir === undefined)) {
    throw new UsageError('give --task DIR (one ImageFolder task) or --tasks DIR (a folder with index.json)');
  }
  const jobs: { dir: string; info: TaskInfo | null }[] = tasksDir
    ? parseTaskIndex(JSON.parse(await readFile(join(tasksDir, 'index.json'), 'utf8'))).map((info) => ({
        dir: join(tasksDir, info.name),
        info,
      }))
    : [{ dir: taskDir as string, info: null }];
  // Every folder is read before the model loads, so a wrong path fails at once.
  const tasks = await Promise.all(
    jobs.map(async ({ dir, info }) => {
      const folder = await readImageFolder(dir, info?.classes);
      if (!folder.splits[split as Split]?.length) throw new Error(`${dir} has no images in ${split}/`);
      return { name: info?.name ?? basename(dir), role: info?.role ?? null, folder };
    }),
  );

  const modelSpec = option('model') ?? 'embedded';
  const files = await loadModel(modelSpec);
  const encoder =
    backend === 'engine'
      ? // Its --backend names the encoder, so the engine's backend is WebGPU unless --cpu.
        engineEncoder(files, (await openChosenBackend(args.options.has('cpu') ? 'cpu' : 'webgpu')).backend)
      : await ortEncoder(files);
  const results: TaskResult[] = [];
  try {
    for (const task of tasks) results.push(await evaluateTask(encoder, task, split as Split, templates));
  } finally {
    await encoder.release();
  }

  const summary = {
    model: modelSpec,
    backend: encoder.backend,
    split,
    templates,
    tasks: results.map((r) => ({
      ...r,
      accuracy: {
        top1: r.accuracy.top1,
        topK: r.accuracy.topK,
        perClass: Object.fromEntries(
          r.classes.map((name, i) => [
            name,
            { accuracy: r.accuracy.perClass[i] ?? null, images: r.accuracy.counts[i] ?? 0 },
          ]),
        ),
      },
    })),
  };
  emit(args.options.has('json'), summary, () =>
    report(results, modelSpec, encoder.backend, split, templates),
  );
  return 0;
}

async function readTemplates(template: string | undefined, file: string | undefined): Promise<string[]> {
  if (template !== undefined && file !== undefined)
    throw new UsageError('give --template or --templates, not both');
  const text = file ? await readFile(file, 'utf8') : (template ?? DEFAULT_TEMPLATE);
  try {
    return parseTemplates(text, file ?? '--template');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `embedded`, a folder in the Hub layout, or a Hub model id (needs the network). */
export async function loadModel(spec: string): Promise<ClipModelFiles> {
  if (spec === 'embedded') return readModelDir(EMBEDDED_MODEL_DIR);
  if (await stat(spec).catch(() => null)) return readModelDir(spec);
  if (!/^[\w.-]+\/[\w.-]+$/.test(spec)) {
    throw new UsageError(`--model ${spec}: not "embedded", an existing folder, or a Hub id (owner/name)`);
  }
  try {
    return await fetchHubModel(spec);
  } catch (error) {
    throw new Error(
      `--model ${spec} is not a folder here, and fetching it from the Hub failed: ${(error as Error).message}`,
    );
  }
}

async function evaluateTask(
  encoder: ClipEncoder,
  task: { name: string; role: TaskInfo['role'] | null; folder: ImageFolderTask },
  split: Split,
  templates: readonly string[],
): Promise<TaskResult> {
  const { classes, skipped } = task.folder;
  const images = task.folder.splits[split] ?? [];
  const classFeatures = classTextFeatures(
    await encoder.encodeTexts(classPrompts(classes, templates)),
    templates.length,
  );
  const chunks: Matrix[] = [];
  for (let start = 0; start < images.length; start += DECODE_CHUNK) {
    const decoded = await Promise.all(
      images.slice(start, start + DECODE_CHUNK).map((i) => readImageFile(i.path)),
    );
    chunks.push(await encoder.encodeImages(decoded));
  }
  const imageEmbeds = stackRows(chunks);
  const logits = zeroShotLogits(imageEmbeds, classFeatures, encoder.logitScaleLog);
  return {
    task: task.name,
    role: task.role,
    classes,
    images: images.length,
    accuracy: accuracy(
      logits,
      images.map((i) => i.label),
    ),
    skipped,
  };
}

const percent = (x: number | null) => (x === null ? '-' : (100 * x).toFixed(1));

function report(
  results: readonly TaskResult[],
  model: string,
  backend: string,
  split: string,
  templates: readonly string[],
): string {
  const lines = [
    `model ${model} on ${backend}, ${split} split, ` +
      (templates.length === 1 ? `template "${templates[0]}"` : `ensemble of ${templates.length} templates`),
    '',
  ];
  const perClass = (r: TaskResult) =>
    r.classes.map((name, i) => [name, String(r.accuracy.counts[i]), percent(r.accuracy.perClass[i] ?? null)]);
  if (results.length === 1)
    lines.push(table(['class', 'images', 'accuracy %'], perClass(results[0] as TaskResult)), '');
  lines.push(
    table(
      ['task', 'role', 'classes', 'images', 'chance %', 'zero-shot %'],
      results.map((r) => [
        r.task,
        r.role ?? '-',
        String(r.classes.length),
        String(r.images),
        percent(1 / r.classes.length),
        percent(r.accuracy.top1),
      ]),
    ),
  );
  if (results.length > 1) {
    const mean = (rs: readonly TaskResult[]) =>
      rs.reduce((s, r) => s + r.accuracy.top1, 0) / Math.max(rs.length, 1);
    const byRole = (role: string) => results.filter((r) => r.role === role);
    lines.push(
      '',
      `mean zero-shot accuracy: all ${percent(mean(results))}%` +
        (byRole('source').length ? `, source ${percent(mean(byRole('source')))}%` : '') +
        (byRole('target').length ? `, target ${percent(mean(byRole('target')))}%` : ''),
      '',
      'per class (accuracy %):',
      ...results.map(
        (r) =>
          `  ${r.task}: ${perClass(r)
            .map(([name, , acc]) => `${name} ${acc}`)
            .join(', ')}`,
      ),
    );
  }
  const skipped = results.flatMap((r) => r.skipped);
  if (skipped.length > 0) {
    lines.push('', `skipped ${skipped.length} files:`, ...skipped.map((s) => `  ${s.path}: ${s.reason}`));
  }
  return lines.join('\n');
}
