import { describe, expect, it } from 'vitest';
import type { StudioImage, StudioTask } from './studio-task';
import {
  checkedTaskName,
  imageCounts,
  TaskEditError,
  uniqueName,
  withClassAdded,
  withClassesMerged,
  withClassRenamed,
  withImagesAdded,
  withoutClass,
} from './task-edits';

const blob = new Blob([]);

function ids() {
  let next = 0;
  return () => `id${next++}`;
}

function task(origin: StudioTask['origin'] = { kind: 'user' }): StudioTask {
  return {
    id: 't',
    name: 'pets',
    origin,
    classes: [
      { id: 'cat', name: 'cat' },
      { id: 'dog', name: 'dog' },
    ],
    shots: 4,
    seed: 1,
    createdAt: 0,
  };
}

function image(id: string, classId: string, fileName: string, split: StudioImage['split'] = 'train') {
  return { id, taskId: 't', classId, fileName, split, blob } satisfies StudioImage;
}

const added = (className: string, ...fileNames: string[]) =>
  fileNames.map((fileName) => ({ className, fileName, blob }));

describe('uniqueName', () => {
  it('numbers a taken name, before the extension for files', () => {
    expect(uniqueName('a.png', new Set(['b.png']), true)).toBe('a.png');
    expect(uniqueName('a.png', new Set(['a.png', 'a (2).png']), true)).toBe('a (3).png');
    expect(uniqueName('v1.2', new Set(['v1.2']))).toBe('v1.2 (2)');
  });
});

describe('names', () => {
  it('refuses empty and repeated names, ignoring case', () => {
    expect(() => checkedTaskName('  ', [])).toThrow(TaskEditError);
    expect(() => checkedTaskName('Pets', [task()])).toThrow(/already a task named "Pets"/);
    expect(checkedTaskName(' Pets ', [task()], 't')).toBe('Pets');
    expect(() => withClassAdded(task(), 'Cat', 'x')).toThrow(/already has a class "cat"; .* merge/);
    expect(withClassAdded(task(), ' fish ', 'x').classes.at(-1)).toEqual({ id: 'x', name: 'fish' });
    expect(() => withClassRenamed(task(), 'cat', 'DOG')).toThrow(/already has a class "dog"/);
    expect(withClassRenamed(task(), 'cat', 'Cat').classes[0]).toEqual({ id: 'cat', name: 'Cat' });
  });
});

describe('withImagesAdded', () => {
  it('creates missing classes and holds out a quarter of each class of a user task', () => {
    const edit = withImagesAdded(task(), [], added('bird', 'a.png', 'b.png', 'c.png', 'd.png'), ids());
    expect(edit.task.classes.map((c) => c.name)).toEqual(['cat', 'dog', 'bird']);
    const bird = edit.task.classes[2]?.id;
    expect(edit.put.map((i) => [i.classId, i.fileName, i.split])).toEqual([
      [bird, 'a.png', 'train'],
      [bird, 'b.png', 'train'],
      [bird, 'c.png', 'train'],
      [bird, 'd.png', 'test'],
    ]);
  });

  it('re-splits the whole class of a user task when images join it, and renames clashing names', () => {
    const before = [image('1', 'cat', 'a.png'), image('2', 'cat', 'b.png'), image('3', 'cat', 'c.png')];
    const edit = withImagesAdded(task(), before, added('cat', 'a.png', 'z.png'), ids());
    const byName = Object.fromEntries(edit.put.map((i) => [i.fileName, i.split]));
    // Five images: one held out, the last by name.
    expect(byName).toEqual({ 'a (2).png': 'train', 'z.png': 'test' });
    const edit2 = withImagesAdded(
      task(),
      [...before, image('4', 'cat', 'd.png', 'test')],
      added('cat', 'e.png'),
      ids(),
    );
    expect(Object.fromEntries(edit2.put.map((i) => [i.fileName, i.split]))).toEqual({
      'd.png': 'train',
      'e.png': 'test',
    });
  });

  it('keeps a demo pack split and splits only the images added to it', () => {
    const before = [image('1', 'cat', 'train/cat/000.png'), image('2', 'cat', 'test/cat/000.png', 'test')];
    const edit = withImagesAdded(task({ kind: 'demo', pack: 'p' }), before, added('cat', 'x.png'), ids());
    expect(edit.put.map((i) => [i.fileName, i.split])).toEqual([['x.png', 'train']]);
  });
});

describe('withClassesMerged', () => {
  it('moves the images, renames clashes, re-splits and drops the merged class', () => {
    const images = [
      image('1', 'cat', 'a.png'),
      image('2', 'cat', 'b.png'),
      image('3', 'dog', 'a.png'),
      image('4', 'dog', 'c.png'),
    ];
    const edit = withClassesMerged(task(), images, 'cat', 'dog');
    expect(edit.task.classes).toEqual([{ id: 'dog', name: 'dog' }]);
    expect(edit.removed).toEqual([]);
    const stored = new Map(images.map((i) => [i.id, i]));
    for (const changed of edit.put) stored.set(changed.id, changed);
    expect([...stored.values()].map((i) => [i.classId, i.fileName, i.split])).toEqual([
      ['dog', 'a (2).png', 'train'],
      ['dog', 'b.png', 'train'],
      ['dog', 'a.png', 'train'],
      ['dog', 'c.png', 'test'],
    ]);
    expect(edit.put.map((i) => i.id).sort()).toEqual(['1', '2', '4']);
  });

  it('refuses to merge a class into itself or into a class that is gone', () => {
    expect(() => withClassesMerged(task(), [], 'cat', 'cat')).toThrow(/into itself/);
    expect(() => withClassesMerged(task(), [], 'cat', 'fish')).toThrow(/no such class/);
  });
});

describe('withoutClass', () => {
  it('removes the class and its images only', () => {
    const images = [image('1', 'cat', 'a.png'), image('2', 'dog', 'a.png')];
    const edit = withoutClass(task(), images, 'cat');
    expect(edit.task.classes.map((c) => c.id)).toEqual(['dog']);
    expect(edit.removed).toEqual(['1']);
    expect(edit.put).toEqual([]);
  });
});

describe('imageCounts', () => {
  it('counts images and held-out images per class', () => {
    const counts = imageCounts([
      image('1', 'cat', 'a'),
      image('2', 'cat', 'b', 'test'),
      image('3', 'dog', 'a'),
    ]);
    expect(counts).toEqual({ total: { cat: 2, dog: 1 }, test: { cat: 1 } });
  });
});
