/**
 * Sessions a reload, a tab crash or the worker dying cut short, as Train & Compare lists them: each run with
 * where it had got to. A session's record outlives the page only while one of its runs has not ended
 * (training-slice.ts deletes it with the last run's result), so a stored session that is not this page's
 * live one was interrupted.
 */
import type { StoredCheckpoint, StoredRun, StoredSession } from '../persistence/records';

export interface InterruptedRun {
  runId: string;
  choice: string;
  seed: number;
  /** Its result was kept before the interruption: a resume does not train it again. */
  finished: boolean;
  /** Where a resume continues from: the last epoch checkpoint kept; null: from the start. */
  checkpoint: StoredCheckpoint | null;
}

export interface InterruptedSession {
  session: StoredSession;
  runs: InterruptedRun[];
}

export function interruptedSessions(
  sessions: readonly StoredSession[],
  checkpoints: readonly StoredCheckpoint[],
  history: readonly StoredRun[],
  liveSessionId: string | null,
): InterruptedSession[] {
  const kept = new Set(history.map((r) => r.id));
  const byRun = new Map(checkpoints.map((c) => [c.id, c]));
  return sessions
    .filter((session) => session.id !== liveSessionId)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((session) => ({
      session,
      runs: session.runs.map((run) => ({
        runId: run.runId,
        choice: run.choice,
        seed: run.seed,
        finished: kept.has(run.runId),
        checkpoint: kept.has(run.runId) ? null : (byRun.get(run.runId) ?? null),
      })),
    }));
}
