// The Transfer panel's half of the engine worker's API: the transferability matrix over the page's tasks
// (src/multitask/transfer-run.ts) and MVLPT's grouped adaptation of a group it suggests (mvlpt.ts). Both run
// in the engine's queue on the loaded model; progress crosses to the page a few times a second, and every
// measured cell crosses at once with the serialised state, so the page can store it before the next cell.
import type { MethodId } from '../src/methods/method';
import { methodDefinition } from '../src/methods/registry';
import { runMvlpt } from '../src/multitask/mvlpt';
import { runTransfer, transferSettings } from '../src/multitask/transfer-run';
import { parseTransferState, serializeTransferState, stateMatrix } from '../src/multitask/transfer-state';
import type { TaskPayload } from '../src/tasks/studio-task';
import type { TaskData } from '../src/train/task-data';
import { resolveConfig, type TrainingConfig } from '../src/train/trainer';
import { TrainingControl } from '../src/train/training-control';
import { currentModel } from './current-model';
import type { OpenedBackend } from './engine.worker';
import { decodeTaskPayload } from './task-decode';

export interface TransferRequest {
  /** The page's id for the matrix; every update names it. */
  matrixId: string;
  method: MethodId;
  /** Two or more; their names must differ. */
  tasks: TaskPayload[];
  shots: number;
  seed: number;
  /** Over the method's default epochs. */
  epochs?: number;
  /** A serialised transfer state (transfer-state.ts) to continue: its prompts and cells are not redone. */
  resumeState?: string;
}

/** Where a training run is: encoding image features first (feature methods), then epochs of steps. */
export type TrainingProgress =
  | { phase: 'features'; done: number; total: number }
  | { phase: 'training'; epoch: number; epochs: number; step: number; stepsPerEpoch: number };

/** What a transferability run is doing for `source`: training its prompt, or applying it to the targets. */
export type TransferStep = (TrainingProgress | { phase: 'measuring' }) & { source: string };

export type TransferUpdate =
  | { type: 'progress'; matrixId: string; cellsDone: number; cellsTotal: number; step: TransferStep }
  | {
      type: 'cell';
      matrixId: string;
      source: string;
      target: string;
      accuracy: number;
      cellsDone: number;
      cellsTotal: number;
      /** The whole state so far, serialised: store it to resume without redoing this cell. */
      state: string;
    };

export interface TransferResult {
  matrixId: string;
  status: 'completed' | 'cancelled';
  tasks: string[];
  /** accuracy[source][target]; null where not measured (a cancelled run). */
  accuracy: (number | null)[][];
  state: string;
  seconds: number;
}

export interface GroupedAdaptationRequest {
  method: MethodId;
  /** The group's tasks, trained together as one prompt from the method's own initialisation. */
  tasks: TaskPayload[];
  shots: number;
  seed: number;
  epochs?: number;
}

export interface GroupedAdaptationResult {
  status: 'completed' | 'cancelled';
  group: string[];
  /** Each member's test top-1 with the group's prompt (its own best epoch); empty when cancelled. */
  targets: { task: string; accuracy: number }[];
  seconds: number;
}

type Exclusive = <T>(work: (opened: OpenedBackend) => Promise<T>) => Promise<T>;

/** Progress a few times a second is all a progress bar needs; each message costs the page a render. */
const PROGRESS_INTERVAL_MS = 250;

function throttle<T>(send: (update: T) => void): (update: T, always?: boolean) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (update, always = false) => {
    const now = performance.now();
    if (!always && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    send(update);
  };
}

const trainingConfig = (epochs: number | undefined): Partial<TrainingConfig> =>
  epochs === undefined ? {} : { epochs };

/** Decoding starts at the call, so it overlaps whatever the queue is running before this work. */
function decodeAll(payloads: readonly TaskPayload[]): Promise<TaskData[]> {
  const decoded = Promise.all(payloads.map(decodeTaskPayload));
  decoded.catch(() => undefined); // awaited, and reported, in the queue
  return decoded;
}

export function createTransferApi(exclusive: Exclusive) {
  // Cancel is answered at once, not queued: the runs it stops hold the queue.
  const controls = new Set<TrainingControl>();
  const controlled = async <T>(work: (control: TrainingControl) => Promise<T>): Promise<T> => {
    const control = new TrainingControl();
    controls.add(control);
    try {
      return await work(control);
    } finally {
      controls.delete(control);
    }
  };

  return {
    computeTransfer(
      request: TransferRequest,
      onUpdate?: (update: TransferUpdate) => void,
    ): Promise<TransferResult> {
      if (request.tasks.length < 2) throw new Error('a transferability matrix needs at least two tasks');
      const saved = request.resumeState ? parseTransferState(request.resumeState) : null;
      const decoding = decodeAll(request.tasks);
      return controlled((control) =>
        exclusive(async () => {
          const started = performance.now();
          const { clip, identity } = currentModel();
          const tasks = await decoding;
          const names = tasks.map((t) => t.name);
          const study = {
            clip,
            model: identity.sha256,
            method: methodDefinition(request.method),
            tasks,
            shots: request.shots,
            seed: request.seed,
            config: trainingConfig(request.epochs),
          };
          const { epochs } = transferSettings(study).config;
          const { matrixId } = request;
          const cellsTotal = names.length * names.length;
          // What the resumed state has measured already: the result when cancelled before this run began.
          const resumed = saved
            ? stateMatrix(saved, names).accuracy
            : names.map(() => names.map((): number | null => null));
          let cellsDone = resumed.flat().filter((v) => v !== null).length;
          let state = request.resumeState ?? '';
          const send = throttle((update: TransferUpdate) => onUpdate?.(update));
          const progress = (step: TransferStep) =>
            send({ type: 'progress', matrixId, cellsDone, cellsTotal, step });

          const outcome =
            control.state === 'cancelled'
              ? null
              : await runTransfer(study, saved, {
                  control,
                  onState: (current) => {
                    state = serializeTransferState(current);
                  },
                  onEvent: (event) => {
                    if (event.type === 'cell') {
                      cellsDone = event.done;
                      const { source, target, accuracy } = event;
                      send(
                        { type: 'cell', matrixId, source, target, accuracy, cellsDone, cellsTotal, state },
                        true,
                      );
                    } else if (event.type === 'training') {
                      const training = event.event;
                      if (training.type === 'features') {
                        const { done, total } = training;
                        progress({ phase: 'features', source: event.source, done, total });
                      } else if (training.type === 'step') {
                        const { epoch, step, stepsPerEpoch } = training;
                        progress({
                          phase: 'training',
                          source: event.source,
                          epoch,
                          epochs,
                          step,
                          stepsPerEpoch,
                        });
                      }
                    }
                  },
                });
          return {
            matrixId,
            status: outcome?.status ?? 'cancelled',
            tasks: names,
            accuracy: outcome ? outcome.matrix.accuracy : resumed,
            state,
            seconds: (performance.now() - started) / 1000,
          };
        }),
      );
    },

    /** MVLPT stage 2 for one group, from the method's own initialisation: the tasks tuned as one prompt. */
    runGroupedAdaptation(
      request: GroupedAdaptationRequest,
      onProgress?: (progress: TrainingProgress) => void,
    ): Promise<GroupedAdaptationResult> {
      const decoding = decodeAll(request.tasks);
      return controlled((control) =>
        exclusive(async () => {
          const started = performance.now();
          const { clip } = currentModel();
          const tasks = await decoding;
          const group = tasks.map((t) => t.name);
          const send = throttle((progress: TrainingProgress) => onProgress?.(progress));
          const method = methodDefinition(request.method);
          const config = trainingConfig(request.epochs);
          if (!method.training) throw new Error(`${method.id} learns nothing: there is nothing to adapt`);
          const { epochs } = resolveConfig(method.training, config);
          const result =
            control.state === 'cancelled'
              ? null
              : await runMvlpt(
                  {
                    clip,
                    method,
                    sources: [],
                    targets: tasks,
                    groups: [{ tasks: group, report: group }],
                    shots: request.shots,
                    seed: request.seed,
                    config,
                  },
                  {
                    control,
                    onEvent: (_, event) => {
                      if (event.type === 'features') {
                        send({ phase: 'features', done: event.done, total: event.total });
                      } else if (event.type === 'step') {
                        const { epoch, step, stepsPerEpoch } = event;
                        send({ phase: 'training', epoch, epochs, step, stepsPerEpoch });
                      }
                    },
                  },
                );
          return {
            status: result?.status ?? 'cancelled',
            group,
            targets: (result?.targets ?? []).map((t) => ({ task: t.task, accuracy: t.test.top1 })),
            seconds: (performance.now() - started) / 1000,
          };
        }),
      );
    },

    /** Stops the transfer work running or waiting; each resolves with what it finished (cancelled). */
    cancelTransfer(): void {
      for (const control of controls) control.cancel();
    },
  };
}
