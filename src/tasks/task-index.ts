/**
 * public/tasks/index.json: the task packs shipped with the app. Each pack is an ImageFolder
 * (`<name>/{train,test}/<class>/*.png`); source tasks form the multitask pool, and each target names the
 * sources it is related to. Pure parsing, so the browser (fetched) and Node (read) share it.
 */

export interface TaskInfo {
  name: string;
  title: string;
  description: string;
  /** Class names in the pack's own order (also its folder names). */
  classes: string[];
  role: 'source' | 'target';
  /** Source tasks this one is related to (targets only). */
  related: string[];
  trainPerClass: number;
  testPerClass: number;
}

export function parseTaskIndex(json: unknown): TaskInfo[] {
  const fail = (why: string): never => {
    throw new Error(`tasks index.json: ${why}`);
  };
  if (!Array.isArray(json)) fail('not a JSON array of tasks');
  const tasks = (json as unknown[]).map((entry, i): TaskInfo => {
    const t = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const where = typeof t.name === 'string' ? `task ${JSON.stringify(t.name)}` : `task ${i}`;
    const text = (key: string) =>
      typeof t[key] === 'string' ? (t[key] as string) : fail(`${where}: ${key} is not text`);
    const names = (key: string) =>
      Array.isArray(t[key]) && (t[key] as unknown[]).every((v) => typeof v === 'string')
        ? (t[key] as string[])
        : fail(`${where}: ${key} is not a list of names`);
    const count = (key: string) =>
      Number.isInteger(t[key]) && (t[key] as number) > 0
        ? (t[key] as number)
        : fail(`${where}: ${key} is not a count`);
    const role =
      t.role === 'source' || t.role === 'target' ? t.role : fail(`${where}: role is not source or target`);
    const classes = names('classes');
    if (classes.length < 2) fail(`${where}: a classification task needs two classes or more`);
    if (new Set(classes).size !== classes.length) fail(`${where}: class names repeat`);
    return {
      name: text('name'),
      title: text('title'),
      description: text('description'),
      classes,
      role,
      related: names('related'),
      trainPerClass: count('trainPerClass'),
      testPerClass: count('testPerClass'),
    };
  });
  const byName = new Map(tasks.map((t) => [t.name, t]));
  if (byName.size !== tasks.length) fail('task names repeat');
  for (const task of tasks) {
    for (const related of task.related) {
      if (byName.get(related)?.role !== 'source')
        fail(`${task.name} is related to ${related}, which is not a source task`);
    }
  }
  return tasks;
}
