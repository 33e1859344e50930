// Shared by the multitask tests: small tasks cut from the embedded model's task packs.
import { readTask } from '../cli/studio-inputs';
import type { LabelledExample, TaskData } from '../train/task-data';

const TASKS_DIR = new URL('../../public/tasks/', import.meta.url).pathname;

/** `classes` of pack `pack`, with the first `train` and `test` images of each. */
export async function packTask(
  pack: string,
  classes: readonly string[],
  train: number,
  test: number,
): Promise<TaskData> {
  const { task } = await readTask(`${TASKS_DIR}${pack}`);
  const pick = (examples: readonly LabelledExample[], count: number) =>
    classes.flatMap((name, label) => {
      const index = task.classes.indexOf(name);
      if (index < 0) throw new Error(`pack ${pack} has no class ${name}`);
      return examples
        .filter((e) => e.label === index)
        .slice(0, count)
        .map((e) => ({ ...e, label }));
    });
  return { name: pack, classes, train: pick(task.train, train), test: pick(task.test, test) };
}
