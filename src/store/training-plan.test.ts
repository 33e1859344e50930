import { describe, expect, it } from 'vitest';
import type { TrainingUpdate } from '../../workers/training-api';
import type { StoredRun } from '../persistence/records';
import {
  applyUpdates,
  choiceOfRun,
  hyperValue,
  type LiveRun,
  liveRun,
  methodChoice,
  optionalNumber,
  parseSeedList,
  perClassAccuracy,
  planRuns,
  resultRows,
  storedRun,
  sumConfusions,
} from './training-plan';

const ids = () => {
  let n = 0;
  return () => `run-${++n}`;
};

const stored = (overrides: Partial<StoredRun>): StoredRun => ({
  id: 'x',
  sessionId: 's',
  method: 'coop',
  tasks: ['shapes'],
  shots: 2,
  seed: 1,
  status: 'completed',
  error: null,
  testAccuracy: 0.5,
  perClassAccuracy: [0.5, 0.5],
  confusion: [
    [1, 1],
    [1, 1],
  ],
  classes: ['a', 'b'],
  trainableParameters: 100,
  seconds: 10,
  curve: [],
  validation: [],
  promptSetId: null,
  createdAt: 0,
  ...overrides,
});

describe('training plan', () => {
  it('makes one run per method and seed, and refuses multitask methods on one task', () => {
    const choices = [methodChoice('coop'), methodChoice('mvlpt-upt')];
    const runs = planRuns(choices, [1, 2], 2, ids());
    expect(runs.map((r) => [r.runId, r.choice.id, r.seed])).toEqual([
      ['run-1', 'coop', 1],
      ['run-2', 'coop', 2],
      ['run-3', 'mvlpt-upt', 1],
      ['run-4', 'mvlpt-upt', 2],
    ]);
    expect(() => planRuns(choices, [1], 1, ids())).toThrow(/Multitask UPT \(MVLPT\) trains on several tasks/);
    expect(() => planRuns([methodChoice('softcpt')], [1], 1, ids())).toThrow(/SoftCPT/);
    expect(() => planRuns([], [1], 1, ids())).toThrow(/at least one method/);
  });

  it('reads seeds, optional numbers and hyperparameters, naming what is wrong', () => {
    expect(parseSeedList('1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseSeedList('1,x')).toThrow(/whole numbers/);
    expect(() => parseSeedList('')).toThrow(/whole numbers/);
    expect(() => parseSeedList('2,2')).toThrow(/twice/);
    expect(optionalNumber('', 'epochs', { integer: true, min: 1 })).toBeNull();
    expect(optionalNumber('3', 'epochs', { integer: true, min: 1 })).toBe(3);
    expect(() => optionalNumber('0.5', 'epochs', { integer: true, min: 1 })).toThrow(/whole number ≥ 1/);
    expect(hyperValue('8', 16, 'n_ctx')).toBe(8);
    expect(hyperValue('false', true, 'csc')).toBe(false);
    expect(hyperValue('middle', 'end', 'position')).toBe('middle');
    expect(() => hyperValue('', 16, 'n_ctx')).toThrow(/n_ctx must be a number/);
  });

  it('tells a stored multitask run by its tasks', () => {
    expect(choiceOfRun({ method: 'coop', tasks: ['a'] }).id).toBe('coop');
    expect(choiceOfRun({ method: 'coop', tasks: ['a', 'b'] }).id).toBe('mvlpt-coop');
    expect(choiceOfRun({ method: 'softcpt', tasks: ['a', 'b'] }).id).toBe('softcpt');
  });

  it('folds a batch of updates into the runs, and a restart drops the points after the checkpoint', () => {
    const [plan] = planRuns([methodChoice('coop')], [1], 2, ids());
    const start = liveRun(plan as NonNullable<typeof plan>, ['shapes', 'colours'], 2);
    expect(start.tasks).toEqual(['shapes']);
    const step = (n: number): TrainingUpdate => ({
      runId: 'run-1',
      type: 'step',
      stage: null,
      step: n,
      loss: 1 / n,
      lr: 0.002,
      stepsPerSecond: 2,
      etaSeconds: 10 - n,
    });
    let runs: LiveRun[] = applyUpdates(
      [start],
      [
        step(1),
        step(2),
        { runId: 'run-1', type: 'epoch', stage: null, epoch: 1, trainLoss: 0.7, valAccuracy: 0.5 },
        step(3),
        { runId: 'run-1', type: 'failed', error: 'lost', deviceLost: true, checkpointEpoch: 1 },
        { runId: 'other', type: 'failed', error: 'not ours', deviceLost: false, checkpointEpoch: null },
      ],
    );
    expect(runs[0]).toMatchObject({ status: 'failed', deviceLost: true, checkpointEpoch: 1, etaSeconds: 7 });
    expect(runs[0]?.curve.map((p) => p.step)).toEqual([1, 2, 3]);
    runs = applyUpdates(runs, [{ runId: 'run-1', type: 'restarted', step: 2, epoch: 1 }]);
    expect(runs[0]).toMatchObject({ status: 'running', error: null, deviceLost: false });
    expect(runs[0]?.curve.map((p) => p.step)).toEqual([1, 2]);
    expect(runs[0]?.validation).toEqual([{ epoch: 1, accuracy: 0.5 }]);
    runs = applyUpdates(runs, [{ runId: 'run-1', type: 'done', status: 'cancelled', report: null }]);
    expect(storedRun(runs[0] as LiveRun, 'session', null)).toMatchObject({
      id: 'run-1',
      sessionId: 'session',
      status: 'cancelled',
      testAccuracy: null,
      curve: [
        { step: 1, loss: 1 },
        { step: 2, loss: 0.5 },
      ],
    });
  });

  it('reports each method over its seeds: mean ± population std, summed confusion', () => {
    const rows = resultRows([
      stored({ id: 'a', method: 'upt', seed: 1, testAccuracy: 0.5 }),
      stored({
        id: 'b',
        method: 'coop',
        seed: 2,
        testAccuracy: 0.75,
        confusion: [
          [2, 0],
          [1, 1],
        ],
      }),
      stored({ id: 'c', method: 'coop', seed: 1, testAccuracy: 0.25 }),
      stored({ id: 'd', method: 'vpt-deep', status: 'failed', testAccuracy: null }),
    ]);
    expect(rows.map((r) => r.choice.id)).toEqual(['coop', 'upt']);
    expect(rows[0]).toMatchObject({ seeds: [1, 2], testAccuracy: { mean: 0.5, std: 0.25 }, seconds: 10 });
    expect(rows[0]?.confusion).toEqual([
      [3, 1],
      [2, 2],
    ]);
    expect(perClassAccuracy(rows[0]?.confusion ?? [])).toEqual([0.75, 0.5]);
    expect(perClassAccuracy([[0, 0]])).toEqual([null]);
    expect(sumConfusions([])).toBeNull();
  });
});
