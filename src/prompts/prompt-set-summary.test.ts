import { describe, expect, it } from 'vitest';
import type { PromptSet } from './prompt-set';
import { promptSetLabel, promptSetSummary } from './prompt-set-summary';

const set: PromptSet = {
  model: { id: 'embedded', sha256: 'ab'.repeat(32), widths: { text: 8, vision: 8, projection: 4 } },
  method: 'coop',
  hyperparameters: { n_ctx: 4 },
  task: { name: 'counting', classes: ['one', 'two'] },
  tensors: new Map(),
  metrics: {
    testAccuracy: 0.6,
    validationAccuracy: null,
    perClassAccuracy: null,
    shots: 2,
    seed: 1,
    trainableParameters: 512,
    training: null,
  },
  createdAt: '2025-03-04T05:06:07.000Z',
};

describe('prompt set summaries', () => {
  it('list the method, task, shots and seed, and what the Library shows', () => {
    expect(promptSetSummary(set)).toEqual({
      label: 'CoOp · counting · 2-shot seed 1',
      method: 'coop',
      task: 'counting',
      classes: ['one', 'two'],
      model: { id: 'embedded', sha256: 'ab'.repeat(32) },
      testAccuracy: 0.6,
      createdAt: Date.UTC(2025, 2, 4, 5, 6, 7),
    });
  });

  it('leave out what an imported document does not record', () => {
    // Imported metrics are only checked to be an object: fields may be missing altogether.
    const bare = { ...set, metrics: {} as PromptSet['metrics'] };
    expect(promptSetLabel(bare)).toBe('CoOp · counting');
    expect(promptSetSummary(bare).testAccuracy).toBeNull();
    expect(promptSetLabel({ ...set, metrics: { ...set.metrics, shots: null } })).toBe(
      'CoOp · counting · seed 1',
    );
  });
});
