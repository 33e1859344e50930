import { proxy } from 'comlink';
import type { StateCreator } from 'zustand';
import type { TrainingRunRequest, TrainingUpdate } from '../../workers/training-api';
import { messageOf } from '../common/message-of';
import { methodEntry } from '../methods/catalog';
import type { Hyperparameters, HyperValue } from '../methods/method';
import type {
  StoredCheckpoint,
  StoredPromptSet,
  StoredRun,
  StoredSession,
  StoredSessionRun,
} from '../persistence/records';
import { deleteAll, getAll, put, writeAll } from '../persistence/studio-db';
import type { SessionCheckpoint } from '../sessions/training-session';
import type { TaskPayload } from '../tasks/studio-task';
import type { TrainingConfig } from '../train/trainer';
import { EngineWorkerLostError, engineClient } from '../worker-client/engine-client';
import { type InterruptedSession, interruptedSessions } from './interrupted-sessions';
import { checkHyperparameterRanges, classPools, sessionShots } from './session-checks';
import type { StudioState } from './studio-store';
import {
  applyUpdates,
  hyperValue,
  type LiveRun,
  liveRun,
  METHOD_CHOICES,
  type MethodChoice,
  methodChoice,
  optionalNumber,
  parseSeedList,
  planRuns,
  storedRun,
} from './training-plan';

/** Resolves once the next frame has been painted (a timer queued from requestAnimationFrame runs after it). */
const afterNextPaint = () =>
  new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** The form as typed: text fields stay text until a session starts, so a half-typed number is no error. */
export interface TrainingSettings {
  /** Chosen tasks in the order chosen: the first is the one the methods are compared on. */
  taskIds: string[];
  /** MethodChoice ids. */
  choices: string[];
  /** Per choice, the hyperparameters edited away from the paper's defaults, as typed. */
  hyperparameters: Record<string, Record<string, string>>;
  /** '' : the first task's own shots and seed. */
  shots: string;
  seeds: string;
  /** '' : each method's paper value. */
  epochs: string;
  batchSize: string;
  learningRate: string;
  /** Base-to-novel: train on each task's first half of classes, test on both halves. */
  baseToNovel: boolean;
}

export interface TrainingState {
  settings: TrainingSettings;
  /** The session trained now or last in this page; null before the first. */
  sessionId: string | null;
  /** That session's runs. */
  runs: LiveRun[];
  /** Runs kept in IndexedDB, from earlier visits and this one, newest first. */
  history: StoredRun[];
  historyLoaded: boolean;
  /** The session whose results are shown: this page's or an earlier one. */
  viewedSessionId: string | null;
  starting: boolean;
  /** Why the session could not start, or a control failed. */
  error: string | null;
  /** Why a finished run could not be kept; it stays on the page until reload. */
  storageError: string | null;
  /** Sessions cut short by a reload, a tab crash or the worker dying, newest first: to resume or discard. */
  interrupted: InterruptedSession[];
}

export interface TrainingSlice {
  training: TrainingState;
  /** Reads the stored runs once. */
  loadTrainingHistory(): Promise<void>;
  setTrainingOptions(change: Partial<Omit<TrainingSettings, 'hyperparameters'>>): void;
  /** Adds the task at the end of the chosen ones, or removes it. */
  toggleTrainingTask(taskId: string): void;
  toggleMethodChoice(choiceId: string): void;
  setHyperparameter(choiceId: string, key: string, text: string): void;
  startTrainingSession(): Promise<void>;
  /** Without a run id: every run of the session. */
  pauseTraining(runId?: string): Promise<void>;
  resumeTraining(runId?: string): Promise<void>;
  cancelTraining(runId?: string): Promise<void>;
  /** A run that lost the GPU device, again from its last checkpoint on a fresh device. */
  restartTrainingRun(runId: string): Promise<void>;
  viewTrainingSession(sessionId: string): void;
  /** Cancels this session's running or paused runs on the task (it is being deleted); none of them is kept. */
  cancelRunsOnTask(taskName: string): Promise<void>;
  /** An interrupted session's unfinished runs again, each from its last kept checkpoint. */
  resumeInterruptedSession(sessionId: string): Promise<void>;
  /** Forgets an interrupted session's checkpoints; the results of its finished runs stay. */
  discardInterruptedSession(sessionId: string): Promise<void>;
}

/** The choice's hyperparameters: its method's paper defaults with the edits typed over them. */
export function choiceHyperparameters(
  choice: MethodChoice,
  edits: Record<string, string> = {},
): Record<string, HyperValue> {
  const { defaults } = methodEntry(choice.method);
  const values: Record<string, HyperValue> = { ...defaults };
  for (const [key, text] of Object.entries(edits)) {
    const fallback = defaults[key];
    if (fallback !== undefined) values[key] = hyperValue(text, fallback, `${choice.title} ${key}`);
  }
  return values;
}

function configOverrides(settings: TrainingSettings): Partial<TrainingConfig> {
  const config: Partial<TrainingConfig> = {};
  const epochs = optionalNumber(settings.epochs, 'epochs', { integer: true, min: 1 });
  const batchSize = optionalNumber(settings.batchSize, 'batch size', { integer: true, min: 1 });
  const learningRate = optionalNumber(settings.learningRate, 'learning rate', { min: 0 });
  if (epochs !== null) config.epochs = epochs;
  if (batchSize !== null) config.batchSize = batchSize;
  if (learningRate !== null) config.learningRate = learningRate;
  return config;
}

const ended = (run: LiveRun) => run.status !== 'running' && run.status !== 'paused';

/** What the worker's session needs of a run, and what a resume after a reload rebuilds it from. */
function runRequest(
  run: StoredSession['runs'][number],
  payloads: TrainingRunRequest['tasks'],
  { shots, classSplit }: Pick<StoredSession, 'shots' | 'classSplit'>,
  resumeFrom?: SessionCheckpoint,
): TrainingRunRequest {
  return {
    runId: run.runId,
    method: run.method,
    kind: run.kind,
    tasks: run.kind === 'single' ? payloads.slice(0, 1) : payloads,
    shots,
    seed: run.seed,
    hyperparameters: run.hyperparameters,
    config: run.config,
    resumeFrom,
    classSplit,
  };
}

export const createTrainingSlice: StateCreator<StudioState, [], [], TrainingSlice> = (set, get) => {
  const state = () => get().training;
  const update = (change: Partial<TrainingState>) => set({ training: { ...state(), ...change } });
  const settingsUpdate = (change: Partial<TrainingSettings>) =>
    update({ settings: { ...state().settings, ...change } });
  let historyRead: Promise<void> | null = null;
  /** Runs cancelled because their task was deleted. */
  const cancelledWithTask = new Set<string>();
  /**
   * The session's writes in the order the worker reported them: a run's result must land after its last
   * checkpoint, or a late checkpoint would bring back a record its result has deleted.
   */
  let writes: Promise<void> = Promise.resolve();
  const inOrder = (write: () => Promise<void>) => {
    const done = writes.then(write);
    writes = done.catch(() => undefined);
    return done;
  };

  /** Keeps a run's latest checkpoint over its last; when that fails the last stays, and a resume uses it. */
  async function keepCheckpoint(run: LiveRun, sessionId: string, checkpoint: SessionCheckpoint) {
    const record: StoredCheckpoint = {
      id: run.id,
      sessionId,
      checkpoint,
      curve: run.curve,
      validation: run.validation,
      createdAt: Date.now(),
    };
    const title = methodChoice(run.choice).title;
    try {
      await put(
        'checkpoints',
        record,
        `keeping the ${title} run's checkpoint after epoch ${checkpoint.epoch}`,
      );
    } catch (error) {
      update({ storageError: messageOf(error) });
    }
  }

  /** Keeps a run that has ended, with its prompt set, in one transaction. */
  async function keep(run: LiveRun, sessionId: string): Promise<void> {
    // A run whose task was deleted while it trained leaves no result for a task that no longer exists; its
    // checkpoint (and the session, after its last run) go all the same, or a reload would offer to resume it.
    const orphaned = cancelledWithTask.has(run.id);
    const promptSet = run.report?.promptSet ?? null;
    const promptSetId = promptSet ? crypto.randomUUID() : null;
    const record = storedRun(run, sessionId, promptSetId);
    const promptSets: StoredPromptSet[] =
      promptSet && promptSetId
        ? [{ ...promptSet.summary, id: promptSetId, runId: run.id, json: promptSet.json }]
        : [];
    const title = methodChoice(run.choice).title;
    // Its checkpoint goes with it, and with the session's last run the session: nothing is left to resume.
    const last = state().sessionId === sessionId && state().runs.every(ended);
    try {
      await writeAll(
        orphaned ? {} : { runs: [record], promptSets },
        { checkpoints: [run.id], sessions: last ? [sessionId] : [] },
        `saving the ${title} run (seed ${run.seed})`,
      );
    } catch (error) {
      update({ storageError: messageOf(error) });
      return;
    }
    if (orphaned) return;
    // A restarted run replaces its failed record.
    update({ history: [record, ...state().history.filter((r) => r.id !== record.id)] });
    void get().refreshStorage();
  }

  /** One store update per batch from the worker, then the runs that ended in it are kept. */
  const receive = (sessionId: string) => (updates: TrainingUpdate[]) => {
    if (state().sessionId !== sessionId) return;
    const runs = applyUpdates(state().runs, updates);
    update({ runs });
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const u of updates) {
      const run = byId.get(u.runId);
      if (!run) continue;
      if (u.type === 'checkpoint') void inOrder(() => keepCheckpoint(run, sessionId, u.checkpoint));
      else if (u.type === 'done' || u.type === 'failed') void inOrder(() => keep(run, sessionId));
    }
  };

  /**
   * Runs the session in the worker. If the worker dies, the session stays stored and is listed as
   * interrupted, to resume from its checkpoints on the restarted worker.
   */
  async function runSession(sessionId: string, requests: TrainingRunRequest[]): Promise<void> {
    // The session's table and empty curves are laid out and painted before the worker starts: once it
    // trains, its threads and the GPU's take the cores, and the page's first big layout would stall.
    await afterNextPaint();
    try {
      await engineClient().call((api) =>
        api.startTraining({ sessionId, runs: requests }, proxy(receive(sessionId))),
      );
    } catch (error) {
      const message = messageOf(error);
      const lost = error instanceof EngineWorkerLostError;
      update({
        error: lost
          ? `${message}. It has been restarted: resume the session below once the model has loaded.`
          : `training could not start: ${message}`,
        runs: state().runs.map((r) => (ended(r) ? r : { ...r, status: 'failed', error: message })),
      });
      // The session did not start (no model, an image that does not decode): there is nothing to resume.
      if (!lost) await inOrder(() => deleteAll({ sessions: [sessionId] }, 'forgetting the session'));
      await readInterrupted(lost ? null : state().sessionId);
    }
  }

  /** The stored sessions that are not `liveSessionId`, with where their runs had got to. */
  async function readInterrupted(liveSessionId: string | null): Promise<void> {
    await writes;
    const [sessions, checkpoints] = await Promise.all([
      getAll<StoredSession>('sessions'),
      getAll<StoredCheckpoint>('checkpoints'),
    ]);
    update({ interrupted: interruptedSessions(sessions, checkpoints, state().history, liveSessionId) });
  }

  /** Calls a session control; when it takes, the runs it reaches in status `from` go to status `to`. */
  async function control(
    call: 'pauseTraining' | 'resumeTraining' | 'cancelTraining',
    runId: string | undefined,
    change?: { from: LiveRun['status']; to: LiveRun['status'] },
  ): Promise<void> {
    const { sessionId } = state();
    if (!sessionId) return;
    try {
      await engineClient().call((api) => api[call](sessionId, runId));
    } catch (error) {
      update({ error: messageOf(error) });
      return;
    }
    if (!change) return;
    const reached = (r: LiveRun) => r.status === change.from && (runId === undefined || r.id === runId);
    update({ runs: state().runs.map((r) => (reached(r) ? { ...r, status: change.to } : r)) });
  }

  return {
    training: {
      settings: {
        taskIds: [],
        choices: ['coop', 'vpt-deep', 'upt', 'mudpt'],
        hyperparameters: {},
        shots: '',
        seeds: '',
        epochs: '',
        batchSize: '',
        learningRate: '',
        baseToNovel: false,
      },
      sessionId: null,
      runs: [],
      history: [],
      historyLoaded: false,
      viewedSessionId: null,
      starting: false,
      error: null,
      storageError: null,
      interrupted: [],
    },

    loadTrainingHistory() {
      historyRead ??= (async () => {
        try {
          const history = (await getAll<StoredRun>('runs')).sort((a, b) => b.createdAt - a.createdAt);
          update({
            history,
            historyLoaded: true,
            viewedSessionId: state().viewedSessionId ?? history[0]?.sessionId ?? null,
          });
          await readInterrupted(state().sessionId);
        } catch (error) {
          update({
            historyLoaded: true,
            storageError: `the saved runs could not be read: ${messageOf(error)}`,
          });
        }
      })();
      return historyRead;
    },

    setTrainingOptions(change) {
      settingsUpdate(change);
    },

    toggleTrainingTask(taskId) {
      const { taskIds } = state().settings;
      settingsUpdate({
        taskIds: taskIds.includes(taskId) ? taskIds.filter((id) => id !== taskId) : [...taskIds, taskId],
      });
    },

    toggleMethodChoice(choiceId) {
      const { choices } = state().settings;
      const picked = choices.includes(choiceId)
        ? choices.filter((id) => id !== choiceId)
        : [...choices, choiceId];
      // In the method list's order, whatever the order of clicks.
      settingsUpdate({ choices: METHOD_CHOICES.filter((c) => picked.includes(c.id)).map((c) => c.id) });
    },

    setHyperparameter(choiceId, key, text) {
      const { hyperparameters } = state().settings;
      settingsUpdate({
        hyperparameters: { ...hyperparameters, [choiceId]: { ...hyperparameters[choiceId], [key]: text } },
      });
    },

    async startTrainingSession() {
      const { settings, starting, runs } = state();
      if (starting || runs.some((r) => !ended(r))) return;
      update({ starting: true, error: null });
      const sessionId = crypto.randomUUID();
      let requests: TrainingRunRequest[];
      let record: StoredSession;
      try {
        const tasks = settings.taskIds.flatMap((id) => get().studioTasks.list.find((t) => t.id === id) ?? []);
        const first = tasks[0];
        if (!first) throw new Error('pick a task to train on (the Tasks panel makes them)');
        const choices = settings.choices.map(methodChoice);
        const seeds = settings.seeds.trim() === '' ? [first.seed] : parseSeedList(settings.seeds);
        const asked = optionalNumber(settings.shots, 'shots', { integer: true, min: 1 }) ?? first.shots;
        const planned = planRuns(
          choices,
          seeds,
          tasks.length,
          () => crypto.randomUUID(),
          settings.baseToNovel,
        );
        const config = configOverrides(settings);
        const hyperparameters = new Map<string, Hyperparameters>(
          choices.map((c) => [c.id, choiceHyperparameters(c, settings.hyperparameters[c.id])]),
        );
        const names = tasks.map((t) => t.name);
        if (choices.some((c) => c.kind !== 'single') && new Set(names).size !== names.length) {
          throw new Error('two of the chosen tasks have the same name: rename one in the Tasks panel');
        }
        await checkHyperparameterRanges(get(), choices, hyperparameters, tasks);
        const payloads = await Promise.all(tasks.map((t) => get().taskPayloadFor(t.id)));
        const { shots } = sessionShots(asked, first.name, classPools(payloads[0] as TaskPayload));
        // The runs' table and curves are drawn in a task of their own, not in the click's: each stays short.
        await new Promise((resolve) => setTimeout(resolve, 0));
        record = {
          id: sessionId,
          taskIds: tasks.map((t) => t.id),
          tasks: names,
          shots,
          ...(settings.baseToNovel && { classSplit: 'first-half' as const }),
          runs: planned.map(({ runId, choice, seed }) => ({
            runId,
            choice: choice.id,
            method: choice.method,
            kind: choice.kind,
            seed,
            hyperparameters: hyperparameters.get(choice.id),
            config,
          })),
          createdAt: Date.now(),
        };
        requests = record.runs.map((run) => runRequest(run, payloads, record));
        update({
          sessionId,
          viewedSessionId: sessionId,
          runs: planned.map((p) => liveRun(p, names, shots)),
          starting: false,
          storageError: null,
        });
      } catch (error) {
        // The last session's rows would read as this one's under the error; its results stay in the history.
        update({ starting: false, error: messageOf(error), runs: [] });
        return;
      }
      void inOrder(async () => {
        try {
          await put('sessions', record, 'keeping the session so that a reload can resume it');
        } catch (error) {
          update({ storageError: messageOf(error) });
        }
      });
      await runSession(sessionId, requests);
    },

    pauseTraining: (runId) => control('pauseTraining', runId, { from: 'running', to: 'paused' }),
    resumeTraining: (runId) => control('resumeTraining', runId, { from: 'paused', to: 'running' }),
    // A cancelled run reports its result as it stops: its status comes with that.
    cancelTraining: (runId) => control('cancelTraining', runId),

    async restartTrainingRun(runId) {
      const { sessionId } = state();
      if (!sessionId) return;
      update({ error: null });
      try {
        await engineClient().call((api) => api.restartRun(sessionId, runId));
      } catch (error) {
        update({ error: `the run could not restart: ${messageOf(error)}` });
      }
    },

    async resumeInterruptedSession(sessionId) {
      const { starting, runs, interrupted } = state();
      const found = interrupted.find((i) => i.session.id === sessionId);
      if (!found || starting || runs.some((r) => !ended(r))) return;
      const { session } = found;
      update({ starting: true, error: null });
      let requests: TrainingRunRequest[];
      try {
        const tasks = session.taskIds.map((id, i) => {
          const task = get().studioTasks.list.find((t) => t.id === id);
          if (!task) throw new Error(`its task ${session.tasks[i]} has been deleted: discard the session`);
          return task;
        });
        const payloads = await Promise.all(tasks.map((t) => get().taskPayloadFor(t.id)));
        const unfinished = found.runs.filter((r) => !r.finished);
        const stored = new Map(session.runs.map((r) => [r.runId, r]));
        requests = unfinished.map((r) =>
          runRequest(stored.get(r.runId) as StoredSessionRun, payloads, session, r.checkpoint?.checkpoint),
        );
        update({
          sessionId,
          viewedSessionId: sessionId,
          runs: unfinished.map((r) => ({
            ...liveRun(
              { runId: r.runId, choice: methodChoice(r.choice), seed: r.seed },
              session.tasks,
              session.shots,
            ),
            curve: r.checkpoint?.curve ?? [],
            validation: r.checkpoint?.validation ?? [],
          })),
          interrupted: interrupted.filter((i) => i.session.id !== sessionId),
          starting: false,
          storageError: null,
        });
      } catch (error) {
        update({ starting: false, error: `the session could not resume: ${messageOf(error)}` });
        return;
      }
      await runSession(sessionId, requests);
    },

    async discardInterruptedSession(sessionId) {
      const found = state().interrupted.find((i) => i.session.id === sessionId);
      if (!found) return;
      try {
        await inOrder(() =>
          deleteAll(
            { sessions: [sessionId], checkpoints: found.runs.map((r) => r.runId) },
            'discarding the interrupted session',
          ),
        );
      } catch (error) {
        update({ error: messageOf(error) });
        return;
      }
      update({ interrupted: state().interrupted.filter((i) => i.session.id !== sessionId) });
      void get().refreshStorage();
    },

    viewTrainingSession(sessionId) {
      update({ viewedSessionId: sessionId });
    },

    async cancelRunsOnTask(taskName) {
      const doomed = state().runs.filter((r) => !ended(r) && r.tasks.includes(taskName));
      for (const run of doomed) cancelledWithTask.add(run.id);
      await Promise.all(doomed.map((run) => control('cancelTraining', run.id)));
    },
  };
};
