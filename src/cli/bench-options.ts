/** What the bench step and bench accuracy commands take from the command line: task packs, methods, counts. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MethodDefinition, MethodId } from '../methods/method';
import { methodDefinitions } from '../methods/registry';
import { parseTaskIndex, type TaskInfo } from '../tasks/task-index';
import { type ParsedArgs, stringOption, UsageError } from './args';

export const SHIPPED_TASKS_DIR = new URL('../../public/tasks/', import.meta.url).pathname;

export async function readTaskIndex(dir: string): Promise<TaskInfo[]> {
  return parseTaskIndex(JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')));
}

/** `--tasks a,b`: those packs (any role) in that order; by default every target pack of the index. */
export function chooseTasks(args: ParsedArgs, index: readonly TaskInfo[]): TaskInfo[] {
  const names = stringOption(args, 'tasks');
  if (names === undefined) return index.filter((t) => t.role === 'target');
  return names.split(',').map((name) => {
    const info = index.find((t) => t.name === name.trim());
    if (!info) {
      throw new UsageError(`no task pack ${name}; the index has ${index.map((t) => t.name).join(', ')}`);
    }
    return info;
  });
}

/**
 * `--methods a,b`: those methods; by default every single-task method (`trainedOnly`: every one that
 * trains). Multitask methods (SoftCPT) need several tasks at once and are never chosen here.
 */
export function chooseMethods(
  args: ParsedArgs,
  { trainedOnly }: { trainedOnly: boolean },
): MethodDefinition[] {
  const candidates = Object.values(methodDefinitions).filter(
    (d): d is MethodDefinition => !d.requiresTasks && (!trainedOnly || d.training !== null),
  );
  const names = stringOption(args, 'methods');
  if (names === undefined) return candidates;
  return names.split(',').map((name) => {
    const definition = candidates.find((d) => d.id === (name.trim() as MethodId));
    if (!definition) {
      throw new UsageError(`--methods: ${name} is not one of ${candidates.map((d) => d.id).join(', ')}`);
    }
    return definition;
  });
}

/** `--name 4,16`: whole numbers ≥ `min`, comma-separated. */
export function countsOption(
  args: ParsedArgs,
  name: string,
  fallback: readonly number[],
  min: number,
): number[] {
  const text = stringOption(args, name);
  if (text === undefined) return [...fallback];
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new UsageError(`--${name} takes whole numbers ≥ ${min} separated by commas, got ${text}`);
  }
  return values;
}
