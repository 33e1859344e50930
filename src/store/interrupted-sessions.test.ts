import { describe, expect, it } from 'vitest';
import type { StoredCheckpoint, StoredRun, StoredSession } from '../persistence/records';
import { interruptedSessions } from './interrupted-sessions';

const session = (id: string, createdAt: number, runIds: string[]): StoredSession => ({
  id,
  taskIds: ['t1'],
  tasks: ['Shapes'],
  shots: 2,
  runs: runIds.map((runId) => ({
    runId,
    choice: 'coop',
    method: 'coop',
    kind: 'single',
    seed: 1,
    config: {},
  })),
  createdAt,
});

const checkpoint = (id: string, sessionId: string, epoch: number): StoredCheckpoint => ({
  id,
  sessionId,
  checkpoint: { step: epoch * 4, epoch } as StoredCheckpoint['checkpoint'],
  curve: [],
  validation: [],
  createdAt: 0,
});

const finished = (id: string, sessionId: string) => ({ id, sessionId }) as StoredRun;

describe('interrupted sessions', () => {
  it('lists every stored session but the live one, newest first, each run with where it got to', () => {
    const sessions = [
      session('old', 1, ['a', 'b', 'c']),
      session('live', 3, ['d']),
      session('new', 2, ['e']),
    ];
    const checkpoints = [checkpoint('b', 'old', 2), checkpoint('a', 'old', 3), checkpoint('e', 'new', 1)];
    const listed = interruptedSessions(sessions, checkpoints, [finished('a', 'old')], 'live');
    expect(listed.map((s) => s.session.id)).toEqual(['new', 'old']);
    const old = listed[1]?.runs ?? [];
    // a finished before the interruption (its stale checkpoint is not resumed from); b reached epoch 2; c
    // had not finished an epoch.
    expect(old.map((r) => [r.runId, r.finished, r.checkpoint?.checkpoint.epoch ?? null])).toEqual([
      ['a', true, null],
      ['b', false, 2],
      ['c', false, null],
    ]);
  });

  it('lists the live session too once the worker running it has died', () => {
    const listed = interruptedSessions([session('live', 3, ['d'])], [checkpoint('d', 'live', 1)], [], null);
    expect(listed.map((s) => s.runs[0]?.checkpoint?.checkpoint.epoch)).toEqual([1]);
  });
});
