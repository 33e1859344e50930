import { proxy } from 'comlink';
import type { StateCreator } from 'zustand';
import type {
  GroupedAdaptationResult,
  TrainingProgress,
  TransferStep,
  TransferUpdate,
} from '../../workers/transfer-api';
import { messageOf } from '../common/message-of';
import type { MethodId } from '../methods/method';
import type { StoredMatrix } from '../persistence/records';
import { getAll, put } from '../persistence/studio-db';
import type { TaskPayload } from '../tasks/studio-task';
import { engineClient } from '../worker-client/engine-client';
import type { StudioState } from './studio-store';
import { emptyMatrix, matrixEpochs, TRANSFER_METHODS, withAccuracy, withCell } from './transfer-records';

/** A matrix being computed: how far it is, and what the worker is doing now. */
export interface TransferRun {
  matrixId: string;
  cellsDone: number;
  cellsTotal: number;
  /** null until the worker's first report (it may be busy with other work first). */
  step: TransferStep | null;
  cancelling: boolean;
}

/** One suggested group's MVLPT adaptation, started from the Transfer panel. */
export interface GroupedRun {
  matrixId: string;
  /** The task the group was suggested for, first in `group`. */
  target: string;
  group: string[];
  running: boolean;
  progress: TrainingProgress | null;
  result: GroupedAdaptationResult | null;
  error: string | null;
}

export interface TransferPanelState {
  /** The Tasks panel's tasks to compute the matrix over, by id, in the order chosen. */
  taskIds: string[];
  method: MethodId;
  shots: number;
  seed: number;
  /** null: the method's default epochs. */
  epochs: number | null;
  /** Stored matrices, newest first; null until read from IndexedDB. */
  matrices: StoredMatrix[] | null;
  /** The matrix the panel shows. */
  shownId: string | null;
  run: TransferRun | null;
  /** The shown matrix's cell whose details are open. */
  selected: { s: number; t: number } | null;
  /** By groupKey. */
  grouped: Record<string, GroupedRun>;
  error: string | null;
  /** A matrix could not be stored; the run goes on and the panel says so. */
  storageError: string | null;
}

export interface TransferSlice {
  transfer: TransferPanelState;
  loadTransferMatrices(): Promise<void>;
  setTransferOptions(
    options: Partial<Pick<TransferPanelState, 'taskIds' | 'method' | 'shots' | 'seed' | 'epochs'>>,
  ): void;
  computeTransfer(): Promise<void>;
  /** Continues the shown matrix from its stored state: finished cells and trained prompts are kept. */
  resumeTransfer(): Promise<void>;
  /** Stops the matrix computation or grouped run in progress; what is finished stays stored. */
  cancelTransfer(): Promise<void>;
  showTransferMatrix(id: string): void;
  selectTransferCell(cell: { s: number; t: number } | null): void;
  runGroupedAdaptation(target: string, group: readonly string[]): Promise<void>;
}

export const groupKey = (matrixId: string, group: readonly string[]) => `${matrixId}:${group.join('+')}`;

const DEFAULT_METHOD = TRANSFER_METHODS[0]?.id ?? 'coop';

export const createTransferSlice: StateCreator<StudioState, [], [], TransferSlice> = (set, get) => {
  const update = (change: Partial<TransferPanelState>) => set({ transfer: { ...get().transfer, ...change } });
  const stored = (id: string) => get().transfer.matrices?.find((m) => m.id === id);
  const upsert = (matrix: StoredMatrix) => {
    const others = (get().transfer.matrices ?? []).filter((m) => m.id !== matrix.id);
    update({ matrices: [matrix, ...others].sort((a, b) => b.createdAt - a.createdAt) });
  };

  // Writes land in order, each after the one before: a later cell's record never loses to an earlier one.
  let saving: Promise<void> = Promise.resolve();
  const save = (matrix: StoredMatrix) => {
    saving = saving
      .then(() => put('matrices', matrix, 'saving the transfer matrix'))
      .then(
        () => update({ storageError: null }),
        (error) => update({ storageError: messageOf(error) }),
      );
    return saving;
  };

  const payloads = (taskIds: readonly string[]): Promise<TaskPayload[]> =>
    Promise.all(taskIds.map((id) => get().taskPayloadFor(id)));

  /** The Tasks panel's ids of tasks named in a stored matrix; throws naming one that is gone. */
  const taskIdsByName = (names: readonly string[]): string[] =>
    names.map((name) => {
      const task = get().studioTasks.list.find((t) => t.name === name);
      if (!task) throw new Error(`task "${name}" is no longer in the Tasks panel`);
      return task.id;
    });

  async function compute(record: StoredMatrix, tasks: TaskPayload[], epochs: number | null): Promise<void> {
    const matrixId = record.id;
    upsert(record);
    update({
      shownId: matrixId,
      selected: null,
      error: null,
      run: {
        matrixId,
        cellsDone: record.accuracy.flat().filter((v) => v !== null).length,
        cellsTotal: record.tasks.length ** 2,
        step: null,
        cancelling: false,
      },
    });
    void save(record);
    // Updates cross on their own channel and may trail the result: once it is in, they are stale.
    let finished = false;
    const onUpdate = (change: TransferUpdate) => {
      const { run } = get().transfer;
      if (finished || run?.matrixId !== matrixId || change.matrixId !== matrixId) return;
      const { cellsDone, cellsTotal } = change;
      if (change.type === 'cell') {
        const current = stored(matrixId) ?? record;
        const next = withCell(current, change);
        upsert(next);
        void save(next);
        // The worker goes on applying this source's prompt (or trains the next source's, which reports).
        update({
          run: { ...run, cellsDone, cellsTotal, step: { phase: 'measuring', source: change.source } },
        });
      } else {
        update({ run: { ...run, cellsDone, cellsTotal, step: change.step } });
      }
    };
    try {
      const result = await engineClient().call((api) =>
        api.computeTransfer(
          {
            matrixId,
            method: record.method,
            tasks,
            shots: record.shots,
            seed: record.seed,
            epochs: epochs ?? undefined,
            resumeState: record.state || undefined,
          },
          proxy(onUpdate),
        ),
      );
      finished = true;
      const current = stored(matrixId) ?? record;
      const final = withAccuracy(current, result.accuracy, result.state || current.state);
      upsert(final);
      update({ run: null });
      await save(final);
    } catch (error) {
      finished = true;
      update({ run: null, error: messageOf(error) });
    }
  }

  /** The form as the newest matrix was computed, so a reload finds the panel as it was left. */
  const restoreForm = (newest: StoredMatrix) => {
    const taskIds = newest.tasks.flatMap((name) => {
      const task = get().studioTasks.list.find((t) => t.name === name);
      return task ? [task.id] : [];
    });
    let epochs: number | null = null;
    try {
      epochs = matrixEpochs(newest);
    } catch {
      // An unreadable state keeps the default here; Resume reports it, where it matters.
    }
    update({ taskIds, method: newest.method, shots: newest.shots, seed: newest.seed, epochs });
  };

  const loadMatrices = async () => {
    try {
      const matrices = (await getAll<StoredMatrix>('matrices')).sort((a, b) => b.createdAt - a.createdAt);
      await get().startTasks();
      // A matrix computed while the list was read is kept, and so is a form already filled in.
      const computed = get().transfer.matrices ?? [];
      const newest = matrices[0];
      if (newest && computed.length === 0 && get().transfer.taskIds.length === 0) restoreForm(newest);
      update({
        matrices: [...computed, ...matrices.filter((m) => !computed.some((c) => c.id === m.id))],
        shownId: get().transfer.shownId ?? newest?.id ?? null,
      });
    } catch (error) {
      update({ matrices: get().transfer.matrices ?? [], storageError: messageOf(error) });
    }
  };
  let loading: Promise<void> | null = null;

  return {
    transfer: {
      taskIds: [],
      method: DEFAULT_METHOD,
      shots: 4,
      seed: 1,
      epochs: null,
      matrices: null,
      shownId: null,
      run: null,
      selected: null,
      grouped: {},
      error: null,
      storageError: null,
    },

    loadTransferMatrices() {
      loading ??= loadMatrices();
      return loading;
    },

    setTransferOptions(options) {
      update(options);
    },

    async computeTransfer() {
      const { run, taskIds, method, shots, seed, epochs } = get().transfer;
      if (run) return;
      update({ error: null });
      try {
        if (taskIds.length < 2) throw new Error('choose at least two tasks');
        const tasks = await payloads(taskIds);
        const names = tasks.map((t) => t.name);
        const twice = names.find((name, i) => names.indexOf(name) !== i);
        if (twice !== undefined) throw new Error(`two of the chosen tasks are named "${twice}": rename one`);
        const record = emptyMatrix({
          id: crypto.randomUUID(),
          method,
          tasks: names,
          shots,
          seed,
          createdAt: Date.now(),
        });
        await compute(record, tasks, epochs);
      } catch (error) {
        update({ error: messageOf(error) });
      }
    },

    async resumeTransfer() {
      const { run, shownId, epochs } = get().transfer;
      const record = shownId === null ? undefined : stored(shownId);
      if (run || !record || record.complete) return;
      update({ error: null });
      try {
        const tasks = await payloads(taskIdsByName(record.tasks));
        await compute(record, tasks, matrixEpochs(record) ?? epochs);
      } catch (error) {
        update({ error: messageOf(error) });
      }
    },

    async cancelTransfer() {
      const { run } = get().transfer;
      if (run) update({ run: { ...run, cancelling: true } });
      try {
        await engineClient().call((api) => api.cancelTransfer());
      } catch (error) {
        update({ error: messageOf(error) });
      }
    },

    showTransferMatrix(id) {
      update({ shownId: id, selected: null });
    },

    selectTransferCell(cell) {
      update({ selected: cell });
    },

    async runGroupedAdaptation(target, group) {
      const { shownId, grouped, run } = get().transfer;
      const record = shownId === null ? undefined : stored(shownId);
      if (!record || run || Object.values(grouped).some((g) => g.running)) return;
      const key = groupKey(record.id, group);
      const updateGroup = (change: Partial<GroupedRun>) => {
        const current = get().transfer.grouped[key];
        if (current) update({ grouped: { ...get().transfer.grouped, [key]: { ...current, ...change } } });
      };
      update({
        grouped: {
          ...grouped,
          [key]: {
            matrixId: record.id,
            target,
            group: [...group],
            running: true,
            progress: null,
            result: null,
            error: null,
          },
        },
      });
      try {
        const tasks = await payloads(taskIdsByName(group));
        const result = await engineClient().call((api) =>
          api.runGroupedAdaptation(
            {
              method: record.method,
              tasks,
              shots: record.shots,
              seed: record.seed,
              epochs: matrixEpochs(record) ?? undefined,
            },
            proxy((progress: TrainingProgress) => {
              if (get().transfer.grouped[key]?.running) updateGroup({ progress });
            }),
          ),
        );
        updateGroup({ running: false, progress: null, result });
      } catch (error) {
        updateGroup({ running: false, progress: null, error: messageOf(error) });
      }
    },
  };
};
