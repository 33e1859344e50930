import { describe, expect, it } from 'vitest';
import { parseTaskIndex } from './task-index';

describe('task index', () => {
  const valid = {
    name: 'shapes',
    title: 'Shapes',
    description: 'Which shape?',
    classes: ['circle', 'square'],
    role: 'source',
    related: [],
    trainPerClass: 16,
    testPerClass: 20,
  };

  it('checks each task and the relations between them', () => {
    expect(parseTaskIndex([valid])[0]?.classes).toEqual(['circle', 'square']);
    expect(() => parseTaskIndex({})).toThrow(/not a JSON array/);
    expect(() => parseTaskIndex([{ ...valid, classes: ['circle'] }])).toThrow(/two classes or more/);
    expect(() => parseTaskIndex([{ ...valid, role: 'other' }])).toThrow(/task "shapes": role/);
    expect(() =>
      parseTaskIndex([valid, { ...valid, name: 'size', role: 'target', related: ['colours'] }]),
    ).toThrow(/size is related to colours, which is not a source task/);
    expect(() => parseTaskIndex([valid, valid])).toThrow(/task names repeat/);
  });
});
