/** What the Library lists about a prompt set, taken from the document itself. */
import { methodEntry } from '../methods/catalog';
import type { MethodId } from '../methods/method';
import type { PromptSet } from './prompt-set';

/** What the Library lists about a set, from its document; the store adds its id, run and text. */
export interface PromptSetSummary {
  /** E.g. "CoOp · shapes · 4-shot seed 1". */
  label: string;
  method: MethodId;
  task: string;
  classes: string[];
  model: { id: string; sha256: string };
  testAccuracy: number | null;
  createdAt: number;
}

/** An imported document's metrics are only checked to be an object: each number is looked at alone. */
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** "CoOp · counting · 2-shot seed 1"; the shots and seed only where the set records them. */
export function promptSetLabel(set: PromptSet): string {
  const shots = numberOrNull(set.metrics.shots);
  const seed = numberOrNull(set.metrics.seed);
  const setting = [shots === null ? '' : `${shots}-shot`, seed === null ? '' : `seed ${seed}`]
    .filter(Boolean)
    .join(' ');
  return [methodEntry(set.method).title, set.task.name, setting].filter(Boolean).join(' · ');
}

export function promptSetSummary(set: PromptSet): PromptSetSummary {
  const created = Date.parse(set.createdAt);
  return {
    label: promptSetLabel(set),
    method: set.method,
    task: set.task.name,
    classes: [...set.task.classes],
    model: { id: set.model.id, sha256: set.model.sha256 },
    testAccuracy: numberOrNull(set.metrics.testAccuracy),
    // A document with an unreadable date still lists, as made now.
    createdAt: Number.isNaN(created) ? Date.now() : created,
  };
}
