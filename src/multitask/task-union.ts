/**
 * Several tasks as one classification problem, as MVLPT trains them together: one classifier over the union
 * of the tasks' classes (their lists concatenated, method-tasks.ts), each example relabelled into the union
 * and tagged with its task. A sample's loss and its prediction only ever involve its own task's classes:
 * the class mask leaves the others out of its softmax, and `taskLogits` keeps only its task's columns.
 *
 * Image ids get the task's name in front (task-data.ts taskImageId), as in single-task runs.
 */
import type { Matrix } from '../clip/zero-shot';
import type { MethodTask } from '../methods/method';
import { type ClassRange, taskClassMask, taskClassRanges, unionClassNames } from '../methods/method-tasks';
import { type LabelledExample, type TaskData, taskImageId } from '../train/task-data';

/** An example of one of the tasks, its label an index into the union. */
export interface TaskExample extends LabelledExample {
  task: number;
}

export class TaskUnion {
  readonly classNames: readonly string[];
  readonly ranges: readonly ClassRange[];
  readonly methodTasks: readonly MethodTask[];

  constructor(readonly tasks: readonly TaskData[]) {
    if (tasks.length === 0) throw new Error('multitask: no tasks');
    const seen = new Set<string>();
    for (const { name } of tasks) {
      if (seen.has(name)) throw new Error(`multitask: two tasks are named ${name}; task names must differ`);
      seen.add(name);
    }
    this.methodTasks = tasks.map(({ name, classes }) => ({ name, classes }));
    this.classNames = unionClassNames(this.methodTasks);
    this.ranges = taskClassRanges(this.methodTasks);
  }

  /** Task t's examples (labels within the task) as union examples. */
  examples(t: number, examples: readonly LabelledExample[]): TaskExample[] {
    const task = this.tasks[t] as TaskData;
    const { start } = this.ranges[t] as ClassRange;
    return examples.map((e) => ({
      id: taskImageId(task.name, e.id),
      image: e.image,
      label: start + e.label,
      task: t,
    }));
  }

  /** softmaxCrossEntropy's class mask for a batch: each sample's own task's classes only. */
  classMask(batch: readonly TaskExample[]): Uint8Array {
    return taskClassMask(
      this.methodTasks,
      batch.map((e) => e.task),
    );
  }

  /** Union logits [images, union classes] → task t's columns [images, its classes]. */
  taskLogits(logits: Matrix, t: number): Matrix {
    const { start, end } = this.ranges[t] as ClassRange;
    const cols = end - start;
    const data = new Float32Array(logits.rows * cols);
    for (let r = 0; r < logits.rows; r++) {
      data.set(logits.data.subarray(r * logits.cols + start, r * logits.cols + end), r * cols);
    }
    return { data, rows: logits.rows, cols };
  }
}
