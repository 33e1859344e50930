import { describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import { trainMultitask } from '../multitask/multitask-trainer';
import { packTask } from '../multitask/testing';
import { PromptSetPredictor } from '../prompts/predict';
import { parsePromptSet, serializePromptSet } from '../prompts/prompt-set';
import { modelMissing, testClip } from '../train/testing';
import { promptSetsFromMultitask } from './multitask-prompt-sets';

describe.skipIf(modelMissing)('prompt sets from a multitask run', () => {
  // Each exported set, rebuilt from its JSON as an import would, must score its task's test images exactly as
  // the multitask run did with the weights it kept for that task.
  it.each(['softcpt', 'coop'] as const)('%s: one set per task, reproducing its test accuracy', async (id) => {
    const { clip, identity } = await testClip(cpu);
    const tasks = [
      await packTask('noisy-colours', ['red', 'green', 'blue'], 3, 4),
      await packTask('counting', ['one', 'two', 'three'], 3, 4),
    ];
    const result = await trainMultitask({
      clip,
      method: methodDefinition(id),
      hyperparameters: { n_ctx: 4, ...(id === 'softcpt' ? { task_n_ctx: 2 } : {}) },
      tasks,
      shots: 2,
      seed: 5,
      config: { epochs: 2, learningRate: 0.05 },
    });
    const sets = await promptSetsFromMultitask(result, clip, identity);
    expect(sets.map((s) => [s.method, s.task.name])).toEqual([
      ['coop', 'noisy-colours'],
      ['coop', 'counting'],
    ]);
    for (const [t, set] of sets.entries()) {
      const reread = parsePromptSet(serializePromptSet(set), { model: identity });
      const predictor = PromptSetPredictor.create(reread, clip);
      try {
        const report = await predictor.evaluate(tasks[t]?.test ?? []);
        expect(report.top1).toBe(result.tasks[t]?.test.top1);
        expect(report.perClass).toEqual(result.tasks[t]?.test.perClass);
      } finally {
        predictor.dispose();
      }
    }
  });
});
