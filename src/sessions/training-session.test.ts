import { beforeAll, describe, expect, it } from 'vitest';
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import { cpu } from '../engine/testing/backends';
import { methodDefinition } from '../methods/registry';
import { packTask } from '../multitask/testing';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import { modelMissing, testClip } from '../train/testing';
import { type TrainingResult, trainRun } from '../train/trainer';
import { type SessionEvent, type SessionRun, TrainingSession } from './training-session';

/** Everything but the wall-clock time. */
const outcome = ({ seconds: _, ...rest }: TrainingResult) => rest;

type Of<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;
const ofType = <T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T, runId?: string) =>
  events.filter((e): e is Of<T> => e.type === type && (runId === undefined || e.runId === runId));

describe.skipIf(modelMissing)('training session on the CPU backend', () => {
  let clip: FrozenClip;
  let colours: TaskData;
  let shapes: TaskData;

  beforeAll(async () => {
    ({ clip } = await testClip(cpu));
    colours = await packTask('colours', ['red', 'green', 'blue'], 5, 3);
    shapes = await packTask('shapes', ['circle', 'square'], 5, 3);
  });

  /** 5 shots: 4 train + 1 validation per class; batches of 4 for 3 epochs. */
  const run = (runId: string, method: string, overrides: Partial<SessionRun> = {}): SessionRun => ({
    runId,
    kind: 'single',
    method: methodDefinition(method as SessionRun['method']['id']),
    hyperparameters: method === 'coop' ? { n_ctx: 4 } : undefined,
    tasks: [colours],
    shots: 5,
    seed: 1,
    config: { epochs: 3, batchSize: 4, learningRate: 0.05, warmupEpochs: 0 },
    ...overrides,
  });

  it('advances every run together, each reporting a result as trained alone', async () => {
    const events: SessionEvent[] = [];
    const runs = [run('probe', 'linear-probe'), run('coop', 'coop'), run('zs', 'zero-shot')];
    await new TrainingSession(clip, runs, (e) => events.push(e)).start();
    const firstDone = events.findIndex((e) => e.type === 'done' && e.runId !== 'zs');
    const stepsBefore = new Set(
      events.slice(0, firstDone).flatMap((e) => (e.type === 'step' ? [e.runId] : [])),
    );
    expect(stepsBefore, 'both trained before either finished').toEqual(new Set(['probe', 'coop']));
    expect(ofType(events, 'step', 'probe').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ofType(events, 'epoch', 'coop').map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(ofType(events, 'step', 'zs')).toEqual([]);
    for (const r of runs) {
      const [done] = ofType(events, 'done', r.runId);
      const alone = await trainRun({ ...r, clip, task: colours });
      expect(outcome(done?.result as TrainingResult), r.runId).toEqual(outcome(alone));
    }
  });

  it('reports a lost device, and restarts that run from its checkpoint to the same result', async () => {
    const events: SessionEvent[] = [];
    let lost = false;
    const session = new TrainingSession(clip, [run('coop', 'coop'), run('probe', 'linear-probe')], (e) => {
      events.push(e);
      if (!lost && e.runId === 'coop' && e.type === 'step' && e.step === 8) {
        lost = true;
        throw new GpuDeviceLostError('unknown', 'simulated');
      }
    });
    await session.start();
    const [failed] = ofType(events, 'failed', 'coop');
    expect(failed).toMatchObject({ deviceLost: true, checkpointEpoch: 2 });
    expect(failed?.error).toMatch(/^the GPU device was lost/);
    expect(ofType(events, 'done', 'probe')).toHaveLength(1);
    expect(session.restartable).toBe(true);

    events.length = 0;
    await session.restart('coop', clip);
    expect(events[0]).toEqual({ runId: 'coop', type: 'restarted', step: 6, epoch: 2 });
    expect(ofType(events, 'step', 'coop').map((e) => e.step)).toEqual([7, 8, 9]);
    const [done] = ofType(events, 'done', 'coop');
    const alone = await trainRun({ ...run('coop', 'coop'), clip, task: colours });
    expect(outcome(done?.result as TrainingResult)).toEqual(outcome(alone));
    expect(session.restartable).toBe(false);
  });

  it('continues each kind of run in a new session from the checkpoint the last one reported, cloned as IndexedDB keeps it', async () => {
    const runs = [
      run('coop', 'coop'),
      run('softcpt', 'softcpt', {
        kind: 'multitask',
        tasks: [colours, shapes],
        hyperparameters: { n_ctx: 2, task_n_ctx: 2 },
      }),
      run('mvlpt', 'coop', { kind: 'mvlpt', tasks: [colours, shapes] }),
    ];
    const straight: SessionEvent[] = [];
    await new TrainingSession(clip, runs, (e) => straight.push(e)).start();

    // The page goes away mid-run (a reload, the worker dying): what it kept is each run's last checkpoint.
    const kept = new Map<string, Of<'checkpoint'>['checkpoint']>();
    await new TrainingSession(clip, runs, (e) => {
      if (e.type === 'checkpoint') kept.set(e.runId, structuredClone(e.checkpoint));
      if (e.type === 'step' && e.step === 8) throw new Error('the page went away');
    }).start();
    expect([...kept.keys()].sort()).toEqual(['coop', 'mvlpt', 'softcpt']);

    const events: SessionEvent[] = [];
    const resumed = runs.map((r) => ({ ...r, resumeFrom: kept.get(r.runId) }));
    await new TrainingSession(clip, resumed, (e) => events.push(e)).start();
    for (const { runId } of runs) {
      const checkpoint = kept.get(runId);
      expect(ofType(events, 'restarted', runId)).toEqual([
        { runId, type: 'restarted', step: checkpoint?.step, epoch: checkpoint?.epoch },
      ]);
      const firstStep = ofType(events, 'step', runId)[0]?.step;
      expect(firstStep, runId).toBe((checkpoint?.step ?? 0) + 1);
      const result = (list: SessionEvent[]) => ofType(list, 'done', runId)[0]?.result as TrainingResult;
      expect(outcome(result(events)), runId).toEqual(outcome(result(straight)));
    }
  });

  it('restarts a SoftCPT run from its multitask checkpoint to the same result', async () => {
    const softcpt = run('softcpt', 'softcpt', {
      kind: 'multitask',
      tasks: [colours, shapes],
      hyperparameters: { n_ctx: 2, task_n_ctx: 2 },
    });
    const straight: SessionEvent[] = [];
    await new TrainingSession(clip, [softcpt], (e) => straight.push(e)).start();
    const events: SessionEvent[] = [];
    let lost = false;
    const session = new TrainingSession(clip, [softcpt], (e) => {
      events.push(e);
      if (!lost && e.type === 'step' && e.step === 12) {
        lost = true;
        throw new GpuDeviceLostError('unknown', 'simulated');
      }
    });
    await session.start();
    // 20 training images in batches of 4: 5 steps an epoch; lost in the third.
    expect(ofType(events, 'failed')[0]).toMatchObject({ deviceLost: true, checkpointEpoch: 2 });
    await session.restart('softcpt', clip);
    expect(ofType(events, 'restarted')).toEqual([
      { runId: 'softcpt', type: 'restarted', step: 10, epoch: 2 },
    ]);
    const result = (list: SessionEvent[]) => ofType(list, 'done')[0]?.result as TrainingResult;
    expect(outcome(result(events))).toEqual(outcome(result(straight)));
  });

  it('restarts an MVLPT run in the stage it lost the device in, to the same result and step count', async () => {
    const mvlpt = run('mvlpt', 'coop', { kind: 'mvlpt', tasks: [colours, shapes] });
    const straight: SessionEvent[] = [];
    await new TrainingSession(clip, [mvlpt], (e) => straight.push(e)).start();
    const events: SessionEvent[] = [];
    let lost = false;
    const session = new TrainingSession(clip, [mvlpt], (e) => {
      events.push(e);
      // Stage 1 (shapes: 8 images, 2 steps an epoch) is over after step 6; lost in stage 2's second epoch.
      if (!lost && e.type === 'step' && e.step === 11) {
        lost = true;
        throw new GpuDeviceLostError('unknown', 'simulated');
      }
    });
    await session.start();
    expect(ofType(events, 'failed')[0]).toMatchObject({ deviceLost: true, checkpointEpoch: 4 });
    await session.restart('mvlpt', clip);
    const afterRestart = events.slice(events.findIndex((e) => e.type === 'restarted'));
    const stepsFrom = (list: SessionEvent[]) => ofType(list, 'step').map((e) => [e.stage, e.step]);
    expect(stepsFrom(afterRestart)).toEqual(stepsFrom(straight).slice(-stepsFrom(afterRestart).length));
    expect(ofType(afterRestart, 'step')[0]?.step).toBe(10);
    const result = (list: SessionEvent[]) => ofType(list, 'done')[0]?.result as TrainingResult;
    expect(outcome(result(events))).toEqual(outcome(result(straight)));
  });

  it('trains SoftCPT and MVLPT on all the tasks, reporting on the first', async () => {
    const events: SessionEvent[] = [];
    const tasks = [colours, shapes];
    const runs = [
      run('softcpt', 'softcpt', { kind: 'multitask', tasks, hyperparameters: { n_ctx: 2, task_n_ctx: 2 } }),
      run('mvlpt', 'coop', { kind: 'mvlpt', tasks }),
    ];
    await new TrainingSession(clip, runs, (e) => events.push(e)).start();
    for (const id of ['softcpt', 'mvlpt']) {
      const [done] = ofType(events, 'done', id);
      expect(done?.result?.task, id).toBe('colours');
      expect(done?.result?.classes, id).toEqual(['red', 'green', 'blue']);
      expect(
        done?.result?.test.confusion.flat().reduce((a, b) => a + b, 0),
        id,
      ).toBe(9);
    }
    // MVLPT: a source prompt on shapes, then colours from it; one curve across both stages.
    const steps = ofType(events, 'step', 'mvlpt');
    expect([...new Set(steps.map((e) => e.stage))]).toEqual([
      'source prompt on shapes',
      'adapting to colours',
    ]);
    expect(steps.map((e) => e.step)).toEqual(steps.map((_, i) => i + 1));
    expect(ofType(events, 'epoch', 'mvlpt').map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pauses, resumes and cancels one run or all', async () => {
    const events: SessionEvent[] = [];
    const session = new TrainingSession(clip, [run('a', 'linear-probe'), run('b', 'linear-probe')], (e) =>
      events.push(e),
    );
    const finished = session.start();
    session.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ofType(events, 'step')).toEqual([]);
    expect(session.active).toBe(true);
    session.cancel('b');
    session.resume();
    await finished;
    expect(ofType(events, 'done', 'a')[0]?.status).toBe('completed');
    expect(ofType(events, 'done', 'b')[0]?.status).toBe('cancelled');
    expect(ofType(events, 'step', 'b')).toEqual([]);
    expect(session.active).toBe(false);
  });

  it('refuses a multitask method on one task', () => {
    expect(() => new TrainingSession(clip, [run('s', 'softcpt')], () => {})).toThrow(/at least two tasks/);
  });
});
