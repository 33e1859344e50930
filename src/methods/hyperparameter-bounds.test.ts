import { describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { modelMissing, testClip } from '../train/testing';
import { METHOD_CATALOG } from './catalog';
import {
  checkHyperparameters,
  classNameProblem,
  classNameTokenLimit,
  hyperparameterProblem,
  integerRange,
} from './hyperparameter-bounds';
import { methodDefinition } from './registry';

const embedded = { textContext: 32, longestClassName: 4, longestTaskPhrase: 2 };

describe('hyperparameter bounds', () => {
  it("bound a text context by the model's context less the longest class name and the frame", () => {
    expect(integerRange('coop', 'n_ctx', embedded)).toEqual({
      min: 1,
      max: 25,
      why: 'the model\'s text context of 32 tokens less 4 for the longest class name and 3 for start, "." and end',
    });
    expect(hyperparameterProblem('coop', 'n_ctx', 25, embedded)).toBeNull();
    expect(hyperparameterProblem('coop', 'n_ctx', 26, embedded)).toBe(
      'n_ctx must be a whole number from 1 to 25 (the model\'s text context of 32 tokens less 4 for the longest class name and 3 for start, "." and end), got 26',
    );
    expect(hyperparameterProblem('softcpt', 'task_n_ctx', 28, embedded)).toMatch(
      /from 1 to 27 .*longest task name/,
    );
  });

  it('refuse every other kind of value with its type or range', () => {
    expect(hyperparameterProblem('vpt-deep', 'n_ctx', 1000, embedded)).toBe(
      'n_ctx must be a whole number from 1 to 256 (more visual prompts than VPT ever used), got 1000',
    );
    expect(hyperparameterProblem('mudpt', 'prompt_depth', 0.5, embedded)).toMatch(
      /^prompt_depth must be a whole number from 1 to 128/,
    );
    expect(hyperparameterProblem('coop', 'csc', 'yes', embedded)).toBe(
      'csc must be true or false, got "yes"',
    );
    expect(hyperparameterProblem('coop', 'class_token_position', 'top', embedded)).toBe(
      'class_token_position must be one of end, middle, front, got "top"',
    );
    expect(() => checkHyperparameters('upt', { project_dim: 1e9 }, embedded)).toThrow(
      'upt: project_dim must be a whole number from 1 to 4096 (the widest prompt block), got 1000000000',
    );
  });
});

describe("every method's paper defaults", () => {
  it('have a bound under their own key, and lie within it', () => {
    for (const entry of METHOD_CATALOG) {
      for (const [key, value] of Object.entries(entry.defaults))
        expect(hyperparameterProblem(entry.id, key, value, embedded), `${entry.id} ${key}`).toBeNull();
    }
  });
});

describe('class names', () => {
  it('fit when a one-token prompt still fits beside them, and are refused with the limit when not', () => {
    expect(classNameTokenLimit(32)).toBe(28);
    // The longest name allowed leaves n_ctx exactly one value.
    expect(integerRange('coop', 'n_ctx', { ...embedded, longestClassName: 28 })).toMatchObject({
      min: 1,
      max: 1,
    });
    expect(classNameProblem('red', 1, 32)).toBeNull();
    expect(classNameProblem('x'.repeat(28), 28, 32)).toBeNull();
    expect(classNameProblem('a rather long name', 29, 32)).toBe(
      'the class name "a rather long name" is 29 tokens long: this model\'s text context of 32 tokens holds a ' +
        'name of at most 28 (3 go to start, "." and end, 1 to the prompt)',
    );
    expect(classNameProblem('y'.repeat(300), 75, 77)).toMatch(/^the class name "y{39}…" is 75 tokens long/);
  });
});

describe.skipIf(modelMissing)('building a method', () => {
  it('refuses a class name that leaves no room for the context, before any tensor is made', async () => {
    const { clip } = await testClip(cpu);
    const classNames = ['red', 'x'.repeat(300)];
    expect(() =>
      methodDefinition('coop').create({ model: clip.model, tokenizer: clip.tokenizer, classNames, seed: 1 }),
    ).toThrow(
      /^coop: n_ctx cannot be set: no value fits \(the model's text context of 32 tokens less \d+ for the longest class name/,
    );
  });
});
