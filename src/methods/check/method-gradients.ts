/**
 * Gradient parity of a method with its PyTorch reference (fixtures/methods/*.py), one generic check for
 * every method. A fixture holds a fixed batch, the method's hyperparameters and learnable values, and the
 * reference's logits, loss and gradients:
 *
 *     __metadata__   method, hyperparameters (JSON), classNames (JSON array), labels (JSON array)
 *     learnable.<n>  initial value of each learnable tensor, under the reference's name
 *     images         pixel_values [B, 3, S, S] (feature methods get the frozen tower's embeddings of them)
 *     logits [B, K], loss [1], grad.<n>
 *
 * A fixture may add `rowTolerance` (JSON number): the bar every row of every gradient must also meet, each
 * row against its own scale (row-error.ts), so that a wrong row whose gradient is small beside the others'
 * cannot hide under the whole tensor's. The CoCoOp and KgCoOp fixtures ask 1e-4.
 *
 * A multitask fixture adds `tasks` (JSON [{ name, classes }], classNames then being their classes
 * concatenated) and `sampleTasks` (JSON, each sample's task index): the method is built knowing the tasks,
 * and each sample's loss leaves out the other tasks' classes (method-tasks.ts).
 *
 * The method is built from the registry with those hyperparameters on the frozen model, its learnables are
 * overwritten with the fixture's, and the mean cross-entropy of the batch is backpropagated on the engine.
 */
import type { ClipModel } from '../../clip/clip-model';
import type { ClipTokenizer } from '../../clip/tokenizer';
import { scaledError } from '../../engine/check/op-check';
import { SafetensorsFile } from '../../engine/io/safetensors';
import { Tape } from '../../engine/tape';
import { shapeString, type Tensor } from '../../engine/tensor';
import type { Hyperparameters, MethodId, MethodTask } from '../method';
import { taskClassMask, unionClassNames } from '../method-tasks';
import { methodDefinition } from '../registry';
import { trainingLoss } from '../training-loss';
import { worstRowError } from './row-error';

/** max|Δ| / max|reference| of every gradient, the logits and the loss: float32 engine vs float64 PyTorch. */
export const METHOD_GRADIENT_TOLERANCE = 1e-3;

export interface MethodFixture {
  method: MethodId;
  hyperparameters: Hyperparameters;
  classNames: string[];
  labels: number[];
  /** Multitask fixtures: the tasks, and each sample's task. */
  tasks?: MethodTask[];
  sampleTasks?: number[];
  /** The fixture's per-row bar, when it sets one. */
  rowTolerance?: number;
  file: SafetensorsFile;
}

export interface GradientError {
  name: string;
  shape: readonly number[];
  /** max|engine − reference| / max|reference|. */
  error: number;
  /** The worst row's max|Δ_row| / max|reference_row| (row-error.ts), and which row. */
  rowError: number;
  worstRow: number;
}

export interface MethodGradientReport {
  fixture: string;
  method: MethodId;
  hyperparameters: Hyperparameters;
  loss: number;
  referenceLoss: number;
  /** The fixture's per-row bar (null: whole tensors only). */
  rowTolerance: number | null;
  /** |loss − reference| / |reference|. */
  lossError: number;
  logitsError: number;
  gradients: GradientError[];
  /** Learnables only one side has, or whose shapes differ: the method is not the reference's. */
  mismatches: string[];
  /** Leaves outside the learnables that received a gradient (a frozen weight that is not frozen). */
  strayGradients: number;
  passed: boolean;
}

const LEARNABLE = 'learnable.';

function jsonMetadata(file: SafetensorsFile, key: string, label: string): unknown {
  const raw = file.metadata[key];
  if (raw === undefined) throw new Error(`${label}: __metadata__ has no '${key}'`);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${label}: __metadata__.${key} is not JSON (${(error as Error).message})`);
  }
}

export function parseMethodFixture(bytes: Uint8Array, label: string): MethodFixture {
  const file = SafetensorsFile.parse(bytes);
  const method = file.metadata.method as MethodId | undefined;
  if (!method) throw new Error(`${label}: __metadata__ has no 'method'`);
  const hyperparameters = jsonMetadata(file, 'hyperparameters', label) as Hyperparameters;
  const classNames = jsonMetadata(file, 'classNames', label) as string[];
  const labels = jsonMetadata(file, 'labels', label) as number[];
  for (const name of ['images', 'logits', 'loss']) {
    if (!file.entries.has(name)) throw new Error(`${label}: no tensor '${name}'`);
  }
  const rowTolerance =
    file.metadata.rowTolerance === undefined
      ? undefined
      : (jsonMetadata(file, 'rowTolerance', label) as number);
  if (rowTolerance !== undefined && !(rowTolerance > 0)) {
    throw new Error(`${label}: rowTolerance must be a positive number`);
  }
  if (file.metadata.tasks === undefined) {
    return { method, hyperparameters, classNames, labels, rowTolerance, file };
  }
  const tasks = jsonMetadata(file, 'tasks', label) as MethodTask[];
  const sampleTasks = jsonMetadata(file, 'sampleTasks', label) as number[];
  if (unionClassNames(tasks).join('\n') !== classNames.join('\n')) {
    throw new Error(`${label}: classNames are not the tasks' classes concatenated`);
  }
  if (sampleTasks.length !== labels.length) {
    throw new Error(`${label}: ${sampleTasks.length} sample tasks for ${labels.length} labels`);
  }
  return { method, hyperparameters, classNames, labels, tasks, sampleTasks, rowTolerance, file };
}

/** Runs the fixture's batch through the method on `model`'s backend and compares with the reference. */
export async function checkMethodGradients(
  fixture: MethodFixture,
  model: ClipModel,
  tokenizer: ClipTokenizer,
  label: string,
): Promise<MethodGradientReport> {
  const { file } = fixture;
  const backend = model.backend;
  const method = methodDefinition(fixture.method).create(
    { model, tokenizer, classNames: fixture.classNames, seed: 0, tasks: fixture.tasks },
    fixture.hyperparameters,
  );
  const owned: Tensor[] = [];
  const tape = new Tape(backend);
  try {
    const referenceNames = file.names
      .filter((n) => n.startsWith(LEARNABLE))
      .map((n) => n.slice(LEARNABLE.length));
    const mismatches = [
      ...referenceNames
        .filter((name) => !method.learnables.has(name))
        .map((name) => `${name}: not in the method`),
      ...[...method.learnables.keys()]
        .filter((name) => !referenceNames.includes(name))
        .map((name) => `${name}: not in the fixture`),
    ];
    for (const name of referenceNames) {
      const learnable = method.learnables.get(name);
      if (!learnable) continue;
      const { shape, data } = file.read(`${LEARNABLE}${name}`);
      if (shape.length !== learnable.shape.length || shape.some((d, i) => d !== learnable.shape[i])) {
        mismatches.push(
          `${name}: ${shapeString(learnable.shape)} here, ${shapeString(shape)} in the fixture`,
        );
      } else backend.write(learnable, data);
    }

    const pixels = file.read('images');
    const images = backend.tensor(pixels.shape, pixels.data);
    owned.push(images);
    let input = images;
    if (method.input === 'image-features') {
      const frozen = new Tape(backend, false);
      const { imageEmbeds } = model.vision.forward(frozen, images);
      input = frozen.detach(imageEmbeds);
      frozen.dispose();
      owned.push(input);
    }

    const classMask = fixture.tasks && taskClassMask(fixture.tasks, fixture.sampleTasks ?? []);
    const { logits, loss } = trainingLoss(tape, method, input, fixture.labels, classMask);
    const logitValues = await logits.read();
    const [lossValue] = await loss.read();
    const grads = tape.backward(loss);
    const gradients: GradientError[] = [];
    for (const [name, learnable] of method.learnables) {
      const grad = grads.get(learnable);
      if (!file.entries.has(`grad.${name}`)) continue;
      const reference = file.read(`grad.${name}`).data;
      if (!grad) {
        const missing = Number.POSITIVE_INFINITY;
        gradients.push({ name, shape: learnable.shape, error: missing, rowError: missing, worstRow: 0 });
        continue;
      }
      const values = await grad.read();
      const { error: rowError, row: worstRow } = worstRowError(values, reference, learnable.shape);
      gradients.push({
        name,
        shape: learnable.shape,
        error: scaledError(values, reference),
        rowError,
        worstRow,
      });
    }
    const learnables = new Set(method.learnables.values());
    const strayGradients = [...grads.keys()].filter((leaf) => !learnables.has(leaf)).length;
    for (const g of grads.values()) g.free();

    const [referenceLoss] = file.read('loss').data;
    const lossError =
      Math.abs((lossValue as number) - (referenceLoss as number)) / Math.abs(referenceLoss as number);
    const logitsError = scaledError(logitValues, file.read('logits').data);
    const within = (e: number) => e <= METHOD_GRADIENT_TOLERANCE;
    const { rowTolerance } = fixture;
    const rowsWithin = (g: GradientError) => rowTolerance === undefined || g.rowError <= rowTolerance;
    return {
      fixture: label,
      method: fixture.method,
      hyperparameters: method.hyperparameters,
      rowTolerance: rowTolerance ?? null,
      loss: lossValue as number,
      referenceLoss: referenceLoss as number,
      lossError,
      logitsError,
      gradients,
      mismatches,
      strayGradients,
      passed:
        mismatches.length === 0 &&
        strayGradients === 0 &&
        gradients.length === method.learnables.size &&
        gradients.every((g) => within(g.error) && rowsWithin(g)) &&
        within(lossError) &&
        within(logitsError),
    };
  } finally {
    tape.dispose();
    for (const t of owned) t.free();
    method.dispose();
  }
}
