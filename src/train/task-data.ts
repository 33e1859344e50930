import type { RgbaImage } from '../clip/preprocess';

/** One labelled image. `id` names it stably (a path, a file name): cached features are keyed by it. */
export interface LabelledExample {
  id: string;
  image: RgbaImage;
  label: number;
}

/** An image to classify, named as above. */
export type InputImage = Pick<LabelledExample, 'id' | 'image'>;

/**
 * The id of a task's image wherever images meet (a session's feature cache, a multitask run): the task's
 * name in front, so two tasks' images that share a file name (every pack has a train/<class>/000.png) are
 * never confused, and single-task and multitask runs of one session key an image alike.
 */
export function taskImageId(task: string, id: string): string {
  return `${task}/${id}`;
}

/** The task with every image id prefixed by its name. */
export function withTaskIds(task: TaskData): TaskData {
  const rename = (e: LabelledExample) => ({ ...e, id: taskImageId(task.name, e.id) });
  return { ...task, train: task.train.map(rename), test: task.test.map(rename) };
}

/** A classification task as the trainer sees it, decoded: the same in the browser and in Node. */
export interface TaskData {
  name: string;
  classes: readonly string[];
  /** The pool few-shot training sets are sampled from. */
  train: readonly LabelledExample[];
  test: readonly LabelledExample[];
}
