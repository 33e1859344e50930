/**
 * Several training runs side by side, as Train & Compare runs them: every run starts at once, each with its
 * own TrainingControl, and they advance together, taking turns at the trainers' per-step yield. Runs that
 * read image features share one FeatureCache, so each image is encoded once for the whole session.
 *
 * A run is one method on one task, or on several: SoftCPT trains all of them together (the multitask
 * trainer), and MVLPT's variants learn a source prompt on the other tasks before adapting it to the first.
 * Either way a run reports on its first task, the one the session compares the methods on.
 *
 * A run that fails reports why and leaves the others running. When the GPU device is lost, a run keeps its
 * last epoch checkpoint, and `restart` continues it from there on a model rebuilt on a fresh device (the
 * trainers' tests do the same unattended, src/testing/device-loss.ts); an MVLPT run continues in the stage
 * it was in. Every checkpoint is also reported, as plain structured-cloneable data, so the page can keep it
 * where a reload or a dead worker cannot reach, and start a later session's run from it (`resumeFrom`).
 */
import { GpuDeviceLostError } from '../engine/gpu/gpu-errors';
import type { RunKind } from '../methods/catalog';
import type { Hyperparameters, MethodDefinition } from '../methods/method';
import { separateGroups } from '../multitask/adaptation-groups';
import {
  type MultitaskCheckpoint,
  type MultitaskEvent,
  type MultitaskResult,
  trainMultitask,
} from '../multitask/multitask-trainer';
import { type MvlptCheckpoint, type MvlptStage, runMvlpt } from '../multitask/mvlpt';
import { type ClassSplit, splitBaseNovel } from '../train/base-to-novel';
import { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { TaskData } from '../train/task-data';
import {
  type TrainingCheckpoint,
  type TrainingConfig,
  type TrainingEvent,
  type TrainingResult,
  trainRun,
} from '../train/trainer';
import { TrainingControl } from '../train/training-control';

/** How a run uses its tasks: the first alone; all together (SoftCPT); MVLPT, the others as its sources. */

export interface SessionRun {
  runId: string;
  kind: RunKind;
  method: MethodDefinition;
  /** The task the run is compared on, then (multitask kinds) the tasks it learns from besides. */
  tasks: readonly TaskData[];
  shots: number;
  seed: number;
  hyperparameters?: Hyperparameters;
  config?: Partial<TrainingConfig>;
  /** A checkpoint this run reported in an earlier session of the same settings: it continues from there. */
  resumeFrom?: SessionCheckpoint;
  /** Base-to-novel (train/base-to-novel.ts): one-task runs train on the base classes, tested on both halves. */
  classSplit?: ClassSplit;
}

/**
 * What a session reports, per run. `step` and `epoch` count from the run's start across its stages (MVLPT
 * has two), so one run draws one curve; `restarted` says which of the points already reported still stand.
 */
export type SessionEvent = { runId: string } & (
  | { type: 'features'; done: number; total: number }
  | {
      type: 'step';
      /** The MVLPT stage, in words; null for one-stage runs. */
      stage: string | null;
      step: number;
      loss: number;
      lr: number;
      stepsPerSecond: number;
      etaSeconds: number;
    }
  /** Validation accuracy: the task's own, or the mean over a multitask run's tasks. */
  | { type: 'epoch'; stage: string | null; epoch: number; trainLoss: number; valAccuracy: number | null }
  /** result: on the first task; null when cancelled before anything was trained for it. */
  | {
      type: 'done';
      status: 'completed' | 'cancelled';
      result: TrainingResult | null;
      /** Multitask kinds: the run `result` is task 0 of, which its prompt set is made from. */
      multitask: MultitaskResult | null;
    }
  | { type: 'failed'; error: string; deviceLost: boolean; checkpointEpoch: number | null }
  | { type: 'restarted'; step: number; epoch: number }
  /** After every epoch: what the run continues from, in this session or (as `resumeFrom`) a later one. */
  | { type: 'checkpoint'; checkpoint: SessionCheckpoint }
);

/**
 * A run's last checkpoint, with the step and epoch counts reported when it was taken and the stage they count
 * from (a resumed stage reports its epochs from its own start).
 */
export type SessionCheckpoint = { step: number; epoch: number; stage: RunState['stage'] } & SavedCheckpoint;

type SavedCheckpoint =
  | { kind: 'single'; checkpoint: TrainingCheckpoint }
  | { kind: 'multitask'; checkpoint: MultitaskCheckpoint }
  | { kind: 'mvlpt'; checkpoint: MvlptCheckpoint };

interface RunState {
  run: SessionRun;
  control: TrainingControl;
  active: boolean;
  failed: boolean;
  /** The last epoch checkpoint, to continue from after a lost device. */
  saved: SessionCheckpoint | null;
  /** Steps and epochs reported so far; a stage's counts start where the previous stage's ended. */
  steps: number;
  epochs: number;
  stage: { label: string | null; steps: number; epochs: number };
}

/** A multitask run's result seen from one of its tasks, as a single-task run reports it. */
export function taskResult(run: MultitaskResult, task: number, seconds = run.seconds): TrainingResult {
  const outcome = run.tasks[task];
  if (!outcome) throw new Error(`the run has no task ${task}`);
  return {
    status: run.status,
    method: run.method,
    hyperparameters: run.hyperparameters,
    config: run.config,
    task: outcome.task,
    classes: outcome.classes,
    shots: run.shots,
    seed: run.seed,
    trainableParameters: run.trainableParameters,
    examples: outcome.examples,
    shortClasses: outcome.shortClasses,
    epochsRun: run.epochsRun,
    best: outcome.best,
    history: run.history.map((h) => ({ ...h, valAccuracy: h.valAccuracy[task] ?? null })),
    test: outcome.test,
    learnables: outcome.learnables,
    seconds,
  };
}

function stageLabel(stage: MvlptStage): string {
  return stage.stage === 'initialisation'
    ? `source prompt on ${stage.tasks.join(', ')}`
    : `adapting to ${stage.tasks.join(', ')}`;
}

const mean = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((s, v) => s + v, 0) / known.length;
};

export class TrainingSession {
  private readonly states = new Map<string, RunState>();
  private featureCache: FeatureCache;

  constructor(
    private clip: FrozenClip,
    runs: readonly SessionRun[],
    private readonly emit: (event: SessionEvent) => void,
  ) {
    for (const run of runs) {
      if (this.states.has(run.runId)) throw new Error(`two runs have the id ${run.runId}`);
      if (run.tasks.length === 0) throw new Error(`run ${run.runId} has no task`);
      if (run.kind !== 'single' && run.tasks.length < 2)
        throw new Error(`${run.method.title} as a multitask run needs at least two tasks`);
      if (run.kind === 'single' && run.method.requiresTasks)
        throw new Error(`${run.method.title} trains several tasks together: pick at least two tasks`);
      if (run.classSplit && run.kind !== 'single')
        throw new Error(`${run.method.title} as a multitask run has no base-to-novel evaluation yet`);
      this.states.set(run.runId, {
        run,
        control: new TrainingControl(),
        active: false,
        failed: false,
        saved: run.resumeFrom ?? null,
        steps: 0,
        epochs: 0,
        stage: { label: null, steps: 0, epochs: 0 },
      });
    }
    this.featureCache = new FeatureCache(clip);
  }

  /** Starts every run at once (a run given a checkpoint from there); resolves when each has finished or failed. */
  async start(): Promise<void> {
    await Promise.all(
      [...this.states.values()].map((state) => (state.saved ? this.continue(state) : this.execute(state))),
    );
  }

  /** Whether any run is training (paused runs are). */
  get active(): boolean {
    return [...this.states.values()].some((s) => s.active);
  }

  /** Whether any run failed and could be restarted. */
  get restartable(): boolean {
    return [...this.states.values()].some((s) => s.failed);
  }

  pause(runId?: string): void {
    for (const state of this.select(runId)) state.control.pause();
  }

  resume(runId?: string): void {
    for (const state of this.select(runId)) state.control.resume();
  }

  /** Stops at the next step; a cancelled run still reports its best weights so far. */
  cancel(runId?: string): void {
    for (const state of this.select(runId)) state.control.cancel();
  }

  /**
   * A failed run again, on `clip` (a model rebuilt on a fresh device): from its last checkpoint where it has
   * one, else from the start. Resolves when it has finished or failed again.
   */
  async restart(runId: string, clip: FrozenClip): Promise<void> {
    const state = this.select(runId)[0] as RunState;
    if (!state.failed) throw new Error(`run ${runId} has not failed: there is nothing to restart`);
    if (clip !== this.clip) {
      // The cache would encode new images on the lost device; the host features it holds are right, but
      // a fresh cache on the new device is simpler than moving them.
      this.clip = clip;
      this.featureCache = new FeatureCache(clip);
    }
    state.control = new TrainingControl();
    await this.continue(state);
  }

  /** The run from its saved checkpoint (else from the start), its counts taken up where the checkpoint left them. */
  private async continue(state: RunState): Promise<void> {
    state.steps = state.saved?.step ?? 0;
    state.epochs = state.saved?.epoch ?? 0;
    state.stage = state.saved?.stage ?? { label: null, steps: 0, epochs: 0 };
    this.emit({ runId: state.run.runId, type: 'restarted', step: state.steps, epoch: state.epochs });
    await this.execute(state, state.saved ?? undefined);
  }

  private select(runId: string | undefined): RunState[] {
    if (runId === undefined) return [...this.states.values()];
    const state = this.states.get(runId);
    if (!state) throw new Error(`this session has no run ${runId}`);
    return [state];
  }

  private async execute(state: RunState, resumeFrom?: SessionCheckpoint): Promise<void> {
    const { runId } = state.run;
    state.active = true;
    state.failed = false;
    try {
      const outcome = await this.train(state, resumeFrom);
      this.emit({ runId, type: 'done', ...outcome });
    } catch (error) {
      state.failed = true;
      const deviceLost = error instanceof GpuDeviceLostError;
      this.emit({
        runId,
        type: 'failed',
        error: deviceLost
          ? `the GPU device was lost while training (${error.reason})`
          : error instanceof Error
            ? error.message
            : String(error),
        deviceLost,
        checkpointEpoch: state.saved?.epoch ?? null,
      });
    } finally {
      state.active = false;
    }
  }

  private async train(
    state: RunState,
    resumeFrom: SessionCheckpoint | undefined,
  ): Promise<{
    status: 'completed' | 'cancelled';
    result: TrainingResult | null;
    multitask: MultitaskResult | null;
  }> {
    const { run, control } = state;
    const common = {
      clip: this.clip,
      method: run.method,
      hyperparameters: run.hyperparameters,
      shots: run.shots,
      seed: run.seed,
      config: run.config,
      featureCache: this.featureCache,
    };
    const [first, ...others] = run.tasks as [TaskData, ...TaskData[]];
    const keep = (saved: SavedCheckpoint) => {
      state.saved = { ...saved, step: state.steps, epoch: state.epochs, stage: state.stage };
      this.emit({ runId: run.runId, type: 'checkpoint', checkpoint: state.saved });
    };
    if (run.kind === 'single') {
      const halves = run.classSplit && splitBaseNovel(first, run.classSplit);
      const result = await trainRun(
        { ...common, task: halves ? halves.base : first, novel: halves?.novel },
        {
          control,
          resumeFrom: resumeFrom?.kind === 'single' ? resumeFrom.checkpoint : undefined,
          onEvent: (event) => this.report(state, null, event),
          onCheckpoint: (checkpoint) => {
            keep({ kind: 'single', checkpoint });
          },
        },
      );
      return { status: result.status, result, multitask: null };
    }
    if (run.kind === 'multitask') {
      const result = await trainMultitask(
        { ...common, tasks: run.tasks },
        {
          control,
          resumeFrom: resumeFrom?.kind === 'multitask' ? resumeFrom.checkpoint : undefined,
          onEvent: (event) => this.report(state, null, event),
          onCheckpoint: (checkpoint) => {
            keep({ kind: 'multitask', checkpoint });
          },
        },
      );
      return { status: result.status, result: taskResult(result, 0), multitask: result };
    }
    const started = performance.now();
    const study = await runMvlpt(
      {
        ...common,
        sources: others,
        targets: [first],
        groups: separateGroups([first.name]),
      },
      {
        control,
        onEvent: (stage, event) => this.report(state, stageLabel(stage), event),
        resumeFrom: resumeFrom?.kind === 'mvlpt' ? resumeFrom.checkpoint : undefined,
        onCheckpoint: (checkpoint) => {
          keep({ kind: 'mvlpt', checkpoint });
        },
      },
    );
    const adapted = study.adaptation[0];
    const seconds = (performance.now() - started) / 1000;
    return {
      status: study.status,
      result: adapted ? taskResult(adapted, 0, seconds) : null,
      multitask: adapted ?? null,
    };
  }

  /** One trainer event as the session reports it, with the run's running step and epoch counts. */
  private report(state: RunState, stage: string | null, event: TrainingEvent | MultitaskEvent): void {
    const { runId } = state.run;
    if (stage !== state.stage.label) state.stage = { label: stage, steps: state.steps, epochs: state.epochs };
    switch (event.type) {
      case 'features':
        this.emit({ runId, type: 'features', done: event.done, total: event.total });
        return;
      case 'step':
        state.steps = state.stage.steps + event.epoch * event.stepsPerEpoch + event.step + 1;
        this.emit({
          runId,
          type: 'step',
          stage,
          step: state.steps,
          loss: event.loss,
          lr: event.lr,
          stepsPerSecond: event.stepsPerSecond,
          etaSeconds: event.etaSeconds,
        });
        return;
      case 'epoch': {
        state.epochs = state.stage.epochs + event.epoch + 1;
        const { valAccuracy } = event;
        this.emit({
          runId,
          type: 'epoch',
          stage,
          epoch: state.epochs,
          trainLoss: event.trainLoss,
          valAccuracy: Array.isArray(valAccuracy) ? mean(valAccuracy) : valAccuracy,
        });
        return;
      }
      case 'done':
        // The caller reports the result it returns.
        return;
    }
  }
}
