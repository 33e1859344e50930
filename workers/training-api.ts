// The training half of the engine worker's API: Train & Compare's sessions of runs side by side. A session's
// runs train outside the engine's `exclusive` queue, taking turns step by step, so zero-shot and
// prediction asked for meanwhile run between their steps instead of waiting for the session to end.

import { messageOf } from '../src/common/message-of';
import type { RunKind } from '../src/methods/catalog';
import type { Hyperparameters, MethodId } from '../src/methods/method';
import { methodDefinition } from '../src/methods/registry';
import { type RunReport, runReport } from '../src/sessions/run-report';
import {
  type SessionCheckpoint,
  type SessionEvent,
  type SessionRun,
  TrainingSession,
} from '../src/sessions/training-session';
import type { TaskPayload } from '../src/tasks/studio-task';
import type { ClassSplit } from '../src/train/base-to-novel';
import { EventBatcher } from '../src/train/event-batcher';
import type { TaskData } from '../src/train/task-data';
import type { TrainingConfig } from '../src/train/trainer';
import { type CurrentModel, currentModel, holdForTraining, rebuildCurrentModel } from './current-model';
import type { OpenedBackend } from './engine.worker';
import { decodeTaskPayload } from './task-decode';

type Exclusive = <T>(work: (opened: OpenedBackend) => Promise<T>) => Promise<T>;

export interface TrainingRunRequest {
  runId: string;
  method: MethodId;
  kind: RunKind;
  /** The task the run is compared on first; a multitask run's other tasks after it. */
  tasks: TaskPayload[];
  shots: number;
  seed: number;
  hyperparameters?: Hyperparameters;
  config?: Partial<TrainingConfig>;
  /** A checkpoint the run reported in an earlier session (before a reload): it continues from there. */
  resumeFrom?: SessionCheckpoint;
  /** Base-to-novel: train on the base half of the task's classes, test on both (src/train/base-to-novel.ts). */
  classSplit?: ClassSplit;
}

export interface TrainingRequest {
  sessionId: string;
  runs: TrainingRunRequest[];
}

export type { RunReport };

export type TrainingUpdate =
  | Exclude<SessionEvent, { type: 'done' }>
  | { runId: string; type: 'done'; status: 'completed' | 'cancelled'; report: RunReport | null };

interface Session {
  training: TrainingSession;
  /** The model its runs train on: a restart after a lost device rebuilds it on a fresh one. */
  model: CurrentModel;
  batcher: EventBatcher<TrainingUpdate>;
  /** Finished runs' reports being made (a prompt set may need the towers), in order. */
  reports: Promise<void>;
}

/** Each task once per session, however many runs use it (decoded images are cached by id besides). */
async function sessionRuns(request: TrainingRequest): Promise<SessionRun[]> {
  const tasks = new Map<string, Promise<TaskData>>();
  const decode = (payload: TaskPayload) => {
    let task = tasks.get(payload.name);
    if (!task) {
      task = decodeTaskPayload(payload);
      tasks.set(payload.name, task);
    }
    return task;
  };
  return Promise.all(
    request.runs.map(async (run) => ({
      runId: run.runId,
      kind: run.kind,
      method: methodDefinition(run.method),
      tasks: await Promise.all(run.tasks.map(decode)),
      shots: run.shots,
      seed: run.seed,
      hyperparameters: run.hyperparameters,
      config: run.config,
      resumeFrom: run.resumeFrom,
      classSplit: run.classSplit,
    })),
  );
}

export function createTrainingApi(exclusive: Exclusive, reopenBackend: () => Promise<OpenedBackend>) {
  const sessions = new Map<string, Session>();
  /** Models whose device was lost: a restart builds the model again on a fresh device. */
  const lost = new WeakSet<CurrentModel>();

  const session = (sessionId: string): Session => {
    const found = sessions.get(sessionId);
    if (!found) throw new Error(`there is no training session ${sessionId} (it has ended)`);
    return found;
  };

  /** The model to train on, held from its turn in the queue on, so that no load queued later frees it. */
  const holdModel = (sessionId: string, pick: () => Promise<CurrentModel>) =>
    exclusive(async () => {
      const model = await pick();
      return { model, release: holdForTraining(sessionId) };
    });

  /** After a session's runs end: the last updates out, and the session forgotten unless a run can restart. */
  const ended = async (sessionId: string, current: Session) => {
    await current.reports;
    current.batcher.flush();
    if (!current.training.restartable && !current.training.active) sessions.delete(sessionId);
  };

  return {
    /**
     * Starts every run of the session at once; `onEvents` hears batches of updates, a few a second.
     * Resolves when every run has finished or failed; a run's failure is an update, not a rejection.
     */
    async startTraining(
      request: TrainingRequest,
      onEvents: (updates: TrainingUpdate[]) => void,
    ): Promise<void> {
      const { sessionId } = request;
      if (sessions.has(sessionId)) throw new Error(`training session ${sessionId} has already started`);
      const runs = await sessionRuns(request);
      // The model in use once the work queued before (a model load) is done.
      const { model, release } = await holdModel(sessionId, async () => currentModel());
      try {
        const batcher = new EventBatcher<TrainingUpdate>((updates) => {
          // A page that has gone away hears nothing; there is no one to tell.
          Promise.resolve(onEvents(updates)).catch(() => undefined);
        });
        const emit = (event: SessionEvent) => {
          if (event.type !== 'done') {
            if (event.type === 'failed' && event.deviceLost) lost.add(current.model);
            batcher.push(event);
            return;
          }
          const { runId, status, result, multitask } = event;
          current.reports = current.reports
            .then(async () => {
              const report =
                result && (await runReport(result, multitask, current.model.clip, current.model.identity));
              batcher.push({ runId, type: 'done', status, report });
            })
            .catch((error: unknown) => {
              const message = messageOf(error);
              batcher.push({
                runId,
                type: 'failed',
                error: message,
                deviceLost: false,
                checkpointEpoch: null,
              });
            });
        };
        const current: Session = {
          training: new TrainingSession(model.clip, runs, emit),
          model,
          batcher,
          reports: Promise.resolve(),
        };
        sessions.set(sessionId, current);
        try {
          await current.training.start();
        } finally {
          await ended(sessionId, current);
        }
      } finally {
        release();
      }
    },

    pauseTraining: async (sessionId: string, runId?: string) => session(sessionId).training.pause(runId),
    resumeTraining: async (sessionId: string, runId?: string) => session(sessionId).training.resume(runId),
    cancelTraining: async (sessionId: string, runId?: string) => session(sessionId).training.cancel(runId),

    /**
     * A failed run again: after a lost device, on the model rebuilt on a fresh device, from the run's last
     * epoch checkpoint. Resolves when it has finished or failed again.
     */
    async restartRun(sessionId: string, runId: string): Promise<void> {
      const current = session(sessionId);
      const { model, release } = await holdModel(sessionId, async () => {
        const model = currentModel();
        if (model.identity.sha256 !== current.model.identity.sha256) {
          throw new Error('another model has been loaded since this run started: train it again instead');
        }
        return lost.has(model) ? rebuildCurrentModel(await reopenBackend()) : model;
      });
      current.model = model;
      try {
        await current.training.restart(runId, model.clip);
      } finally {
        await ended(sessionId, current);
        release();
      }
    },
  };
}
