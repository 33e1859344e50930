/**
 * CoCoOp's base-to-novel protocol (Zhou et al., CVPR 2022, §4.1): a task's classes are split in two, a
 * method learns on the base half's few-shot images only, and is tested on each half separately, with
 * that half's own class names, so novel accuracy measures what the learnt prompt does to classes it never
 * saw. The harmonic mean of the two (common/statistics.ts) is the headline figure: it is high only when
 * both are.
 */
import { stream } from './seeds';
import type { LabelledExample, TaskData } from './task-data';

/**
 * 'first-half': CoCoOp's `subsample_classes`, base = the first ⌈n/2⌉ classes in the task's order and novel
 * the rest. A number: those ⌈n/2⌉ drawn by that seed, each half keeping the task's order.
 */
export type ClassSplit = 'first-half' | { seed: number };

export interface BaseNovelTasks {
  /** The base classes' task, relabelled 0..base-1: what the method trains and is first tested on. */
  base: TaskData;
  /** The novel classes' task, relabelled 0..novel-1: test images only (nothing trains on them). */
  novel: TaskData;
}

/** The indices of the base classes, ascending. */
export function baseClassIndices(classCount: number, split: ClassSplit): number[] {
  if (classCount < 2)
    throw new Error(`a base-to-novel split needs at least 2 classes, the task has ${classCount}`);
  const baseCount = Math.ceil(classCount / 2);
  const all = Array.from({ length: classCount }, (_, i) => i);
  if (split === 'first-half') return all.slice(0, baseCount);
  return stream(split.seed, 'base-classes')
    .shuffle(all)
    .slice(0, baseCount)
    .sort((a, b) => a - b);
}

function subset(task: TaskData, kept: readonly number[], withTrain: boolean): TaskData {
  const relabel = new Map(kept.map((label, i) => [label, i]));
  const keep = (examples: readonly LabelledExample[]) =>
    examples.flatMap((e) => {
      const label = relabel.get(e.label);
      return label === undefined ? [] : [{ ...e, label }];
    });
  return {
    name: task.name,
    classes: kept.map((label) => task.classes[label] as string),
    train: withTrain ? keep(task.train) : [],
    test: keep(task.test),
  };
}

/**
 * Splits a task's classes into base and novel. Both keep the task's name (results are reported per task) and
 * the images their ids, so a feature cache encodes each image once for both halves.
 */
export function splitBaseNovel(task: TaskData, split: ClassSplit = 'first-half'): BaseNovelTasks {
  const base = baseClassIndices(task.classes.length, split);
  const isBase = new Set(base);
  const novel = task.classes.map((_, i) => i).filter((i) => !isBase.has(i));
  return { base: subset(task, base, true), novel: subset(task, novel, false) };
}
