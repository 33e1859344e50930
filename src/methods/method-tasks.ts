/**
 * The class layout of a multitask run, as MVLPT's data manager builds it: the tasks' class lists
 * concatenated in task order, task t's classes one contiguous range of the union, so one classifier scores
 * every class of every task. A sample may only be told apart from its own task's classes: its other logits
 * are left out of its softmax (the class mask), and its prediction is the best of its own task's range.
 */
import type { MethodTask } from './method';

export interface ClassRange {
  /** First union index of the task's classes. */
  start: number;
  /** One past the last. */
  end: number;
}

/** Each task's range in the union, in task order. */
export function taskClassRanges(tasks: readonly MethodTask[]): ClassRange[] {
  let start = 0;
  return tasks.map(({ name, classes }) => {
    if (classes.length === 0) throw new Error(`task ${name} has no classes`);
    const range = { start, end: start + classes.length };
    start = range.end;
    return range;
  });
}

/** The union class list: every task's classes, in task order (a name two tasks share appears twice). */
export function unionClassNames(tasks: readonly MethodTask[]): string[] {
  return tasks.flatMap((task) => task.classes);
}

/**
 * The class mask of a batch, [samples × union classes] row-major: 1 on each sample's own task's range,
 * 0 elsewhere (softmaxCrossEntropy's classMask).
 */
export function taskClassMask(tasks: readonly MethodTask[], sampleTasks: readonly number[]): Uint8Array {
  const ranges = taskClassRanges(tasks);
  const classes = ranges.at(-1)?.end ?? 0;
  const mask = new Uint8Array(sampleTasks.length * classes);
  sampleTasks.forEach((task, row) => {
    const range = ranges[task];
    if (!range || !Number.isInteger(task)) {
      throw new Error(`sample ${row} is of task ${task}, outside 0..${ranges.length - 1}`);
    }
    mask.fill(1, row * classes + range.start, row * classes + range.end);
  });
  return mask;
}

/** A task's name as SoftCPT's task prompt reads it: "dtd_textures" → "dtd textures". */
export function taskPhrase(name: string): string {
  return name.replace(/[_-]+/g, ' ').trim();
}
