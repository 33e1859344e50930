/**
 * What the multitask commands (train --tasks, multitask, transfer) share on the command line: reading a
 * comma-separated list of task folders, the method a short name stands for, progress lines on stderr, and
 * results without their tensors for --json.
 */
import type { MethodDefinition, MethodId } from '../methods/method';
import { methodDefinitions } from '../methods/registry';
import type { MultitaskEvent, MultitaskResult } from '../multitask/multitask-trainer';
import type { TaskData } from '../train/task-data';
import { type ParsedArgs, requiredOption, UsageError } from './args';
import { readTask } from './studio-inputs';
import { formatDuration, percent } from './training-options';

/** MVLPT's names: its VPT is VPT-deep (the variant its tables report). */
const ALIASES: Record<string, MethodId> = { vpt: 'vpt-deep' };

/** `--method`: a registered method that trains, by id or MVLPT's short name. */
export function trainableMethod(
  args: ParsedArgs,
  accepts: (d: MethodDefinition) => boolean,
): MethodDefinition {
  const given = requiredOption(args, 'method', '(coop|vpt|upt|…)');
  const definition: MethodDefinition | undefined = methodDefinitions[(ALIASES[given] ?? given) as MethodId];
  const usable = Object.values(methodDefinitions).filter((d) => d.training && accepts(d));
  if (!definition?.training || !accepts(definition)) {
    throw new UsageError(`--method ${given} is not one of ${['vpt', ...usable.map((d) => d.id)].join(', ')}`);
  }
  return definition;
}

/** `--<name> DIR,DIR,…`: ImageFolder task folders, decoded; skipped files are reported on stderr. */
export async function readTaskList(args: ParsedArgs, name: string): Promise<TaskData[]> {
  const dirs = requiredOption(args, name, 'DIR,DIR,… (ImageFolder tasks)')
    .split(',')
    .map((dir) => dir.trim())
    .filter((dir) => dir !== '');
  if (dirs.length === 0) throw new UsageError(`--${name} names no task folder`);
  const tasks: TaskData[] = [];
  for (const dir of dirs) {
    const { task, skipped } = await readTask(dir);
    for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    if (task.test.length === 0) throw new Error(`${dir} has no test images (test/<class>/…)`);
    tasks.push(task);
  }
  return tasks;
}

/** About ten epoch lines per run, each task's validation accuracy, and the run's per-task test accuracy. */
export function multitaskProgress(prefix: string, tasks: readonly string[]): (event: MultitaskEvent) => void {
  let rate = '';
  return (event) => {
    if (event.type === 'features' && event.done === event.total) {
      process.stderr.write(`${prefix}image features cached for ${event.total} images\n`);
    } else if (event.type === 'step') {
      rate = `  ${event.stepsPerSecond.toFixed(1)} steps/s  eta ${formatDuration(event.etaSeconds)}`;
    } else if (event.type === 'epoch') {
      const every = Math.ceil(event.epochs / 10);
      if (event.epoch % every !== 0 && event.epoch + 1 !== event.epochs) return;
      const val = event.valAccuracy.some((v) => v !== null)
        ? `  val ${event.valAccuracy.map((v, t) => `${tasks[t]} ${percent(v)}%`).join(', ')}`
        : '';
      process.stderr.write(
        `${prefix}epoch ${event.epoch + 1}/${event.epochs}  loss ${event.trainLoss.toFixed(4)}${val}${rate}\n`,
      );
    } else if (event.type === 'done') {
      const tests = event.result.tasks.map((t) => `${t.task} ${percent(t.test.top1)}%`).join(', ');
      process.stderr.write(`${prefix}test ${tests} (${event.result.status})\n`);
    }
  };
}

/** A result as --json prints it: everything but the learnt tensors. */
export function resultSummary(result: MultitaskResult) {
  const { shared, tasks, ...rest } = result;
  return { ...rest, tasks: tasks.map(({ learnables: _, ...task }) => task), shared: { best: shared.best } };
}
