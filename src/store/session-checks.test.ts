import { describe, expect, it } from 'vitest';
import { boundTexts, choiceBounds, classPools, hyperparameterProblems, sessionShots } from './session-checks';
import { methodChoice } from './training-plan';

const shapes = { name: 'shapes', classes: ['circle', 'square'] };
const named = { name: 'long_names', classes: ['a very long class name'] };

describe('hyperparameter ranges on the page', () => {
  it('counts the class names and task phrases the ranges depend on, each once', () => {
    expect(boundTexts([shapes, named, shapes])).toEqual([
      'circle',
      'square',
      'shapes',
      'a very long class name',
      'long names',
    ]);
  });

  it("bound n_ctx by the compared task's longest name, a multitask choice's by every task's", () => {
    const counts = { circle: 1, square: 1, shapes: 1, 'a very long class name': 9, 'long names': 2 };
    const coop = choiceBounds(methodChoice('coop'), [shapes, named], 32, counts);
    expect(coop).toEqual({ textContext: 32, longestClassName: 1, longestTaskPhrase: 1 });
    const multitask = choiceBounds(methodChoice('mvlpt-coop'), [shapes, named], 32, counts);
    expect(multitask).toEqual({ textContext: 32, longestClassName: 9, longestTaskPhrase: 2 });
    expect(hyperparameterProblems(methodChoice('mvlpt-coop'), { n_ctx: 20, csc: false }, multitask)).toEqual(
      {},
    );
    expect(hyperparameterProblems(methodChoice('mvlpt-coop'), { n_ctx: 21, csc: 'no' }, multitask)).toEqual({
      n_ctx:
        "n_ctx must be a whole number from 1 to 20 (the model's text context of 32 tokens less 9 for the " +
        'longest class name and 3 for start, "." and end), got 21',
      csc: 'csc must be true or false, got "no"',
    });
  });

  it('refuse a hundred million context tokens with the limit, and let a fitting value pass', () => {
    const bounds = choiceBounds(methodChoice('coop'), [shapes], 32, { circle: 1, square: 1 });
    expect(hyperparameterProblems(methodChoice('coop'), { n_ctx: 100_000_000 }, bounds).n_ctx).toMatch(
      /^n_ctx must be a whole number from 1 to 28 .*got 100000000$/,
    );
    expect(hyperparameterProblems(methodChoice('coop'), { n_ctx: 28 }, bounds)).toEqual({});
  });
});

describe('sessionShots', () => {
  const pools = [
    { name: 'cat', train: 4 },
    { name: 'dog', train: 3 },
  ];

  it('lowers shots above every class to the largest class, and names the classes with fewer', () => {
    expect(sessionShots(1000, 'pets', pools)).toEqual({
      shots: 4,
      note: '1000 shots asked, but no class of pets has more than 4 training images: runs use 4 shots per class; dog has 3, and trains on all its images.',
    });
  });

  it('says nothing when every class has the shots', () => {
    expect(sessionShots(3, 'pets', pools)).toEqual({ shots: 3, note: null });
    expect(sessionShots(4, 'pets', pools).note).toBe('dog has 3, and trains on all its images.');
  });

  it('counts the training images of each class of a payload', () => {
    const image = (label: number, split: 'train' | 'test') => ({ id: '', label, split, blob: new Blob() });
    const payload = {
      name: 'pets',
      classes: ['cat', 'dog'],
      images: [image(0, 'train'), image(0, 'test'), image(1, 'train'), image(0, 'train')],
    };
    expect(classPools(payload)).toEqual([
      { name: 'cat', train: 2 },
      { name: 'dog', train: 1 },
    ]);
  });
});
