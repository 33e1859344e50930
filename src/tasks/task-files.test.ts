import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTaskFiles } from '../../scripts/task-files-plugin';
import { readImageFolder } from './image-folder';
import { parseTaskFileListing, taskImages } from './task-files';
import { parseTaskIndex } from './task-index';

const TASKS_DIR = new URL('../../public/tasks/', import.meta.url).pathname;

describe('tasks/files.json', () => {
  it('lists every pack as the Node reader sees it: same images, same order, same labels', async () => {
    const tasks = parseTaskIndex(JSON.parse(await readFile(join(TASKS_DIR, 'index.json'), 'utf8')));
    // Through JSON, as the browser receives it.
    const listing = parseTaskFileListing(JSON.parse(JSON.stringify(await listTaskFiles(TASKS_DIR))));
    expect(Object.keys(listing)).toEqual(tasks.map((t) => t.name));
    for (const task of tasks) {
      const folder = await readImageFolder(join(TASKS_DIR, task.name), task.classes);
      for (const split of ['train', 'test'] as const) {
        const fromListing = taskImages(listing, task, split).map((i) => [join(TASKS_DIR, i.path), i.label]);
        expect(fromListing).toEqual((folder.splits[split] ?? []).map((i) => [i.path, i.label]));
      }
    }
  });

  it('rejects what is not a listing', () => {
    expect(() => parseTaskFileListing([])).toThrow(/not an object of tasks/);
    expect(() => parseTaskFileListing({ shapes: { test: { circle: [1] } } })).toThrow(
      /shapes\/test\/circle is not a list of file names/,
    );
    const task = parseTaskIndex([
      {
        name: 'shapes',
        title: 'Shapes',
        description: '',
        classes: ['circle', 'square'],
        role: 'source',
        related: [],
        trainPerClass: 1,
        testPerClass: 1,
      },
    ])[0];
    expect(() => taskImages({ shapes: {} }, task as NonNullable<typeof task>, 'test')).toThrow(
      /no test images for shapes/,
    );
  });
});
