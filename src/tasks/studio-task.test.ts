import { describe, expect, it } from 'vitest';
import { heldOutForTest, type StudioImage, type StudioTask, taskPayload } from './studio-task';

const task: StudioTask = {
  id: 't',
  name: 'pets',
  origin: { kind: 'user' },
  classes: [
    { id: 'c', name: 'cat' },
    { id: 'd', name: 'dog' },
  ],
  shots: 4,
  seed: 1,
  createdAt: 0,
};

const image = (
  id: string,
  classId: string,
  fileName: string,
  split: 'train' | 'test' = 'train',
): StudioImage => ({
  id,
  taskId: 't',
  classId,
  fileName,
  split,
  blob: new Blob([id]),
});

describe('taskPayload', () => {
  it('lists images in file-name order whatever order storage returns them in, labelled by class order', () => {
    const stored = [
      image('z1', 'd', 'b.png'),
      image('a9', 'c', 'c.png', 'test'),
      image('m4', 'd', 'a.png'),
      image('q', 'c', '10.png'),
    ];
    const payload = taskPayload(task, stored);
    expect(payload.classes).toEqual(['cat', 'dog']);
    expect(payload.images.map((i) => [i.id, i.label])).toEqual([
      ['q', 0],
      ['m4', 1],
      ['z1', 1],
      ['a9', 0],
    ]);
    expect(taskPayload(task, [...stored].reverse()).images.map((i) => i.id)).toEqual(
      payload.images.map((i) => i.id),
    );
  });

  it('refuses a class without training images, and a task of one class', () => {
    expect(() => taskPayload(task, [image('1', 'c', 'a.png'), image('2', 'd', 'b.png', 'test')])).toThrow(
      /class "dog" has no training images/,
    );
    expect(() =>
      taskPayload({ ...task, classes: [{ id: 'c', name: 'cat' }] }, [image('1', 'c', 'a.png')]),
    ).toThrow(/at least two classes/);
  });

  it('refuses a task with nothing to test on, saying how many images each class lacks', () => {
    const images = [
      image('1', 'c', 'a.png'),
      image('2', 'c', 'b.png'),
      image('3', 'd', 'a.png'),
      image('4', 'd', 'b.png'),
      image('5', 'd', 'c.png'),
    ];
    expect(() => taskPayload(task, images)).toThrow(
      'task "pets" has no test images to score a run on: a class holds out a quarter of its images for ' +
        'testing once it has 4, and none has yet. Add 1 image to "dog", or 2 images to "cat"',
    );
    expect(taskPayload(task, [...images, image('6', 'c', 'c.png', 'test')]).images).toHaveLength(6);
  });
});

describe('heldOutForTest', () => {
  it('holds out the last quarter by file name once a class has four images', () => {
    expect(heldOutForTest(['c', 'a', 'b'])).toEqual(new Set());
    expect(heldOutForTest(['d', 'a', 'c', 'b'])).toEqual(new Set(['d']));
    expect(heldOutForTest(['1', '2', '3', '4', '5', '6', '7', '8'])).toEqual(new Set(['7', '8']));
  });
});
