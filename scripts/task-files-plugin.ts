// Writes tasks/files.json (src/tasks/task-files.ts) from public/tasks at build time, and serves it from the
// dev server: the browser cannot list folders, and a listing generated on every build cannot go stale.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Plugin } from 'vite';
import { readImageFolder, SPLITS } from '../src/tasks/image-folder.ts';
import type { TaskFileListing } from '../src/tasks/task-files.ts';
import { parseTaskIndex } from '../src/tasks/task-index.ts';

const LISTING = 'tasks/files.json';

/** Every pack in `tasksDir`/index.json, read as the Node commands read it (a pack that disagrees fails). */
export async function listTaskFiles(tasksDir: string): Promise<TaskFileListing> {
  const tasks = parseTaskIndex(JSON.parse(await readFile(join(tasksDir, 'index.json'), 'utf8')));
  const listing: TaskFileListing = {};
  for (const task of tasks) {
    const folder = await readImageFolder(join(tasksDir, task.name), task.classes);
    const splits: TaskFileListing[string] = {};
    for (const split of SPLITS) {
      const images = folder.splits[split];
      if (!images) continue;
      const byClass: Record<string, string[]> = Object.fromEntries(task.classes.map((name) => [name, []]));
      for (const { path, label } of images) byClass[task.classes[label] as string]?.push(basename(path));
      splits[split] = byClass;
    }
    listing[task.name] = splits;
  }
  return listing;
}

export function taskFilesPlugin(tasksDir = 'public/tasks'): Plugin {
  const listing = async () => JSON.stringify(await listTaskFiles(tasksDir));
  return {
    name: 'prompt-studio:task-files',
    configureServer(server) {
      server.middlewares.use(`${server.config.base}${LISTING}`, (_request, response, next) => {
        listing().then((json) => {
          response.setHeader('content-type', 'application/json');
          response.end(json);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: LISTING, source: await listing() });
    },
  };
}
