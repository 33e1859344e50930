import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import { PromptSetPredictor } from '../prompts/predict';
import type { PromptSet } from '../prompts/prompt-set';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import { modelMissing, testClip } from '../train/testing';
import { TrainingControl } from '../train/training-control';
import { packTask } from './testing';
import { normaliseByTarget } from './transfer-matrix';
import { runTransfer, type TransferEvent, type TransferOutcome, type TransferStudy } from './transfer-run';
import {
  parseTransferState,
  serializeTransferState,
  type TrainedPrompt,
  type TransferState,
} from './transfer-state';

describe.skipIf(modelMissing)('transferability study on the CPU backend', () => {
  let clip: FrozenClip;
  let tasks: TaskData[];
  let cache: FeatureCache;
  let straight: TransferOutcome;

  /** 3 shots: 2 train + 1 validation per class, 2 epochs; the cache is shared, as a session shares it. */
  const study = (overrides: Partial<TransferStudy> = {}): TransferStudy => ({
    clip,
    model: 'tiny-clip',
    method: methodDefinition('coop'),
    hyperparameters: { n_ctx: 4 },
    tasks,
    shots: 3,
    seed: 1,
    config: { epochs: 2, batchSize: 2, learningRate: 0.05, warmupEpochs: 0 },
    featureCache: cache,
    ...overrides,
  });

  beforeAll(async () => {
    ({ clip } = await testClip(cpu));
    tasks = [
      await packTask('colours', ['red', 'green'], 3, 2),
      await packTask('shapes', ['circle', 'square'], 3, 2),
      await packTask('counting', ['one', 'two'], 3, 2),
    ];
    cache = new FeatureCache(clip);
    straight = await runTransfer(study(), null);
  });

  it('measures every cell: the diagonal is each prompt on its own task', () => {
    expect(straight.status).toBe('completed');
    expect(straight.matrix.tasks).toEqual(['colours', 'shapes', 'counting']);
    const cells = straight.matrix.accuracy.flat();
    expect(cells.every((v) => v !== null && v >= 0 && v <= 1)).toBe(true);
    straight.matrix.tasks.forEach((task, i) => {
      expect(straight.matrix.accuracy[i]?.[i]).toBe(straight.state.prompts[task]?.testAccuracy);
    });
    const normalised = normaliseByTarget(straight.matrix.accuracy);
    for (let t = 0; t < 3; t++) expect(Math.max(...normalised.map((row) => row[t] ?? 0))).toBe(1);
  });

  it.each(['cocoop', 'kgcoop'] as const)(
    'transfers a %s prompt: a cell is the source prompt set scored on the target classes',
    async (id) => {
      const { identity } = await testClip(cpu);
      const outcome = await runTransfer(
        study({ method: methodDefinition(id), hyperparameters: {}, tasks: tasks.slice(0, 2) }),
        null,
      );
      expect(outcome.status).toBe('completed');
      const [source, target] = tasks as [TaskData, TaskData];
      const prompt = outcome.state.prompts[source.name] as TrainedPrompt;
      const set: PromptSet = {
        model: identity,
        method: id,
        hyperparameters: outcome.state.hyperparameters,
        task: { name: target.name, classes: [...target.classes] },
        tensors: new Map(Object.entries(prompt.learnables)),
        metrics: {
          testAccuracy: null,
          validationAccuracy: null,
          perClassAccuracy: null,
          shots: null,
          seed: null,
          trainableParameters: 0,
          training: null,
        },
        createdAt: new Date(0).toISOString(),
      };
      const predictor = PromptSetPredictor.create(set, clip);
      try {
        const reference = await predictor.evaluate(target.test);
        expect(outcome.matrix.accuracy[0]?.[1]).toBe(reference.top1);
      } finally {
        predictor.dispose();
      }
    },
  );

  it('resumes a cancelled run without redoing a prompt or a cell, to the same matrix', async () => {
    let saved = '';
    const control = new TrainingControl();
    const first = await runTransfer(study(), null, {
      control,
      onState: (state) => {
        saved = serializeTransferState(state);
      },
      onEvent: (event) => {
        // Cancel inside the second source's cells: its prompt is trained, one of its cells is measured.
        if (event.type === 'cell' && event.done === 4) control.cancel();
      },
    });
    expect(first.status).toBe('cancelled');
    const persisted: TransferState = parseTransferState(saved);
    expect(Object.keys(persisted.prompts)).toEqual(['colours', 'shapes']);
    const before = Object.entries(persisted.cells).flatMap(([s, row]) =>
      Object.keys(row).map((t) => `${s}→${t}`),
    );
    expect(before.length).toBe(4);

    const events: TransferEvent[] = [];
    const resumed = await runTransfer(study(), persisted, { onEvent: (event) => events.push(event) });
    expect(resumed.status).toBe('completed');
    // Only counting's prompt is trained; only the five missing cells are measured.
    expect(events.filter((e) => e.type === 'prompt').map((e) => e.source)).toEqual(['counting']);
    const measured = events.flatMap((e) => (e.type === 'cell' ? [`${e.source}→${e.target}`] : []));
    expect(measured.length).toBe(5);
    expect(measured.filter((cell) => before.includes(cell))).toEqual([]);
    // Same seed, same matrix, interrupted or not.
    expect(resumed.matrix).toEqual(straight.matrix);
  });

  it('refuses to resume a state made with other settings', async () => {
    const state = parseTransferState(serializeTransferState(straight.state));
    await expect(runTransfer(study({ seed: 2 }), state)).rejects.toThrow(
      /the state's seed is 1, this study's 2/,
    );
    await expect(runTransfer(study({ hyperparameters: { n_ctx: 5 } }), state)).rejects.toThrow(
      /hyperparameters/,
    );
    const renamed = [{ ...(tasks[0] as TaskData), classes: ['green', 'red'] }];
    await expect(runTransfer(study({ tasks: renamed }), state)).rejects.toThrow(/task colours has classes/);
    await expect(runTransfer(study({ method: methodDefinition('softcpt') }), null)).rejects.toThrow(
      /no per-task prompt/,
    );
  });
});
