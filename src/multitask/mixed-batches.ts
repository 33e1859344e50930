/**
 * One epoch's batches over several tasks' training sets, every batch mixing tasks.
 *
 * 'proportional' is MVLPT's loader: the sets concatenated and shuffled, so each task fills the epoch in
 * proportion to its size. 'uniform' (the default) gives every task the same share of the epoch whatever its
 * size, so a task with many classes cannot drown one with few: the epoch's sample slots are dealt to the
 * tasks in equal numbers (the remainder to tasks drawn at random) and shuffled, and each task fills its
 * slots from its own shuffled set, starting over on a fresh shuffle when it runs out. A small task is then
 * seen more than once an epoch and a large one in part.
 *
 * Either way an epoch has as many steps as Dassl gives all the sets together (the last partial batch
 * dropped when there is a full one), so the learning-rate schedule does not depend on the sampling.
 */
import type { Random } from '../engine/random';
import { stepsPerEpoch } from '../train/epoch-loop';

export type TaskSampling = 'uniform' | 'proportional';
export const TASK_SAMPLINGS: readonly TaskSampling[] = ['uniform', 'proportional'];

export function epochBatches<T>(
  sets: readonly (readonly T[])[],
  batchSize: number,
  sampling: TaskSampling,
  random: Random,
): T[][] {
  sets.forEach((set, t) => {
    if (set.length === 0) throw new Error(`multitask: task ${t} has no training examples`);
  });
  const total = sets.reduce((n, set) => n + set.length, 0);
  const steps = stepsPerEpoch(total, batchSize);
  const samples = Math.min(total, steps * batchSize);
  const order =
    sampling === 'proportional'
      ? random.shuffle(sets.flat()).slice(0, samples)
      : uniformOrder(sets, samples, random);
  return Array.from({ length: steps }, (_, step) => order.slice(step * batchSize, (step + 1) * batchSize));
}

function uniformOrder<T>(sets: readonly (readonly T[])[], samples: number, random: Random): T[] {
  const counts = sets.map(() => Math.floor(samples / sets.length));
  for (const t of random.shuffle(sets.map((_, t) => t)).slice(0, samples % sets.length)) {
    counts[t] = (counts[t] as number) + 1;
  }
  const slots = random.shuffle(counts.flatMap((count, t) => Array<number>(count).fill(t)));
  const cursors = sets.map((set) => ({ order: random.shuffle(set), next: 0 }));
  return slots.map((t) => {
    const cursor = cursors[t] as { order: T[]; next: number };
    if (cursor.next === cursor.order.length) {
      cursor.order = random.shuffle(sets[t] as readonly T[]);
      cursor.next = 0;
    }
    return cursor.order[cursor.next++] as T;
  });
}
