/**
 * What the studio stores besides tasks and images (studio-task.ts): plain, structured-cloneable records, so
 * the worker's results go into IndexedDB as they arrive and come back out unchanged after a reload.
 */
import type { RunKind } from '../methods/catalog';
import type { Hyperparameters, MethodId } from '../methods/method';
import type { PromptSetSummary } from '../prompts/prompt-set-summary';
import type { SessionCheckpoint } from '../sessions/training-session';
import type { ClassSplit } from '../train/base-to-novel';
import type { TrainingConfig } from '../train/trainer';

/** A prompt set kept in the Library: its JSON document as exported, with what the Library lists. */
export interface StoredPromptSet extends PromptSetSummary {
  id: string;
  /** The run it came from; null for an imported file. */
  runId: string | null;
  createdAt: number;
  /** The prompt-studio.prompts JSON document (prompt-set.ts), exactly as exported. */
  json: string;
}

/** One finished (or cancelled) training run, as Train & Compare and the Library show it. */
export interface StoredRun {
  id: string;
  /** The side-by-side session it belonged to: its runs are compared together. */
  sessionId: string;
  method: MethodId;
  tasks: string[];
  shots: number;
  seed: number;
  status: 'completed' | 'cancelled' | 'failed';
  error: string | null;
  /** On the base classes in a base-to-novel run. */
  testAccuracy: number | null;
  /** Base-to-novel runs: the novel classes and their test accuracy; absent in other runs (and older records). */
  novel?: { classes: string[]; testAccuracy: number } | null;
  perClassAccuracy: (number | null)[] | null;
  /** Rows: true class, columns: predicted class; null where there is no test split. */
  confusion: number[][] | null;
  classes: string[];
  trainableParameters: number;
  seconds: number;
  /** Per step loss and per epoch validation accuracy, for redrawing the curves. */
  curve: { step: number; loss: number }[];
  validation: { epoch: number; accuracy: number | null }[];
  promptSetId: string | null;
  createdAt: number;
}

/** A transferability matrix (transfer-matrix.ts) with the resumable state it came from. */
export interface StoredMatrix {
  id: string;
  method: MethodId;
  tasks: string[];
  shots: number;
  seed: number;
  /** Accuracy[source][target], raw and normalised per target column; null for cells not computed yet. */
  accuracy: (number | null)[][];
  normalised: (number | null)[][];
  /** The transfer-state JSON (transfer-state.ts), so a cancelled matrix resumes without redoing cells. */
  state: string;
  complete: boolean;
  createdAt: number;
}

/**
 * A Train & Compare session while any of its runs has not ended: what it takes to start its runs again
 * after a reload, a tab crash or the worker dying. Deleted when its last run ends, or when discarded.
 */
export interface StoredSession {
  /** The session's id, which its runs' records keep. */
  id: string;
  /** The studio tasks trained on, by id (Tasks panel), the one compared on first, and their names then. */
  taskIds: string[];
  tasks: string[];
  shots: number;
  /** Base-to-novel sessions: how each task's classes were split (absent: the whole task). */
  classSplit?: ClassSplit;
  runs: StoredSessionRun[];
  createdAt: number;
}

export interface StoredSessionRun {
  runId: string;
  /** The method choice (training-plan.ts), e.g. "mvlpt-coop". */
  choice: string;
  method: MethodId;
  kind: RunKind;
  seed: number;
  hyperparameters?: Hyperparameters;
  config: Partial<TrainingConfig>;
}

/** A running run's last epoch checkpoint, keyed by the run's id, with the curves drawn up to it. */
export interface StoredCheckpoint {
  id: string;
  sessionId: string;
  checkpoint: SessionCheckpoint;
  curve: { step: number; loss: number }[];
  validation: { epoch: number; accuracy: number | null }[];
  createdAt: number;
}
