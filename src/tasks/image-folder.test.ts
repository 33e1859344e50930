import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageFolder } from './image-folder';
import { parseTaskIndex } from './task-index';

const TASKS_DIR = new URL('../../public/tasks/', import.meta.url).pathname;

/** A task folder from a list of relative file paths (directories are created as needed). */
function makeTask(paths: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'task-'));
  for (const path of paths) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    if (!path.endsWith('/')) writeFileSync(join(dir, path), 'x');
    else mkdirSync(join(dir, path), { recursive: true });
  }
  return dir;
}

describe('ImageFolder tasks', () => {
  it('labels images by sorted class folder, and lists every skipped file with its reason', async () => {
    const dir = makeTask([
      'train/zebra/b.png',
      'train/zebra/a.JPG',
      'train/apple/1.jpeg',
      'train/apple/notes.txt',
      'train/apple/.DS_Store',
      'train/apple/more/',
      'train/README.md',
      'test/zebra/c.png',
      'test/Banana/d.png',
    ]);
    const task = await readImageFolder(dir);
    expect(task.classes).toEqual(['Banana', 'apple', 'zebra']);
    expect(task.splits.train?.map((i) => [i.path.slice(dir.length + 1), i.label])).toEqual([
      ['train/apple/1.jpeg', 1],
      ['train/zebra/a.JPG', 2],
      ['train/zebra/b.png', 2],
    ]);
    expect(task.splits.test?.map((i) => i.label)).toEqual([0, 2]);
    expect(task.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason])).toEqual([
      ['train/README.md', 'not inside a class folder'],
      ['train/apple/.DS_Store', 'not a PNG or JPEG image (no extension)'],
      ['train/apple/more', 'a folder inside a class folder'],
      ['train/apple/notes.txt', 'not a PNG or JPEG image (extension .txt)'],
    ]);
  });

  it('takes the class order it is given, and refuses folders that disagree with it', async () => {
    const dir = makeTask(['test/b/1.png', 'test/a/2.png']);
    expect((await readImageFolder(dir, ['b', 'a'])).splits.test?.map((i) => i.label)).toEqual([0, 1]);
    await expect(readImageFolder(dir, ['a', 'c'])).rejects.toThrow(/missing c; unexpected b/);
    await expect(readImageFolder(join(dir, 'test'))).rejects.toThrow(/neither a train\/ nor a test\/ folder/);
  });

  it('reads the shipped packs as their index describes them', async () => {
    const tasks = parseTaskIndex(JSON.parse(readFileSync(join(TASKS_DIR, 'index.json'), 'utf8')));
    expect(tasks.length).toBeGreaterThanOrEqual(13);
    const shapes = tasks.find((t) => t.name === 'shapes');
    if (!shapes) throw new Error('no shapes pack');
    const pack = await readImageFolder(join(TASKS_DIR, 'shapes'), shapes.classes);
    expect(pack.classes).toEqual(shapes.classes);
    expect(pack.splits.train?.length).toBe(shapes.trainPerClass * shapes.classes.length);
    expect(pack.splits.test?.length).toBe(shapes.testPerClass * shapes.classes.length);
    expect(pack.skipped).toEqual([]);
  });
});
