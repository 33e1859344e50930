/**
 * A prompt set: the learned tensors of one trained method with everything needed to use them again, as one
 * JSON document a person can keep, share and load into the studio or the CLI:
 *
 *     { format: "prompt-studio.prompts", version: 1,
 *       model: { id, sha256, widths: { text, vision, projection } },
 *       method, hyperparameters, task: { name, classes },
 *       tensors: { <reference name>: { shape, dtype: "float32", data: <base64 of little-endian float32> } },
 *       metrics, createdAt }
 *
 * Import checks everything it can before anything is used and names each fault: a file that is not JSON,
 * another format or version, a missing field, an unknown method, another model (which of digest or widths),
 * a tensor whose bytes do not fill its shape, a tensor holding NaN or ±Infinity, a hyperparameter of the wrong
 * type or outside its range (hyperparameter-bounds.ts: the range for the loaded model is checked again when
 * the method is built, before any tensor is made), metrics of the wrong type or range, and (when loaded into
 * a method) a tensor whose shape is not the one the method has for this model and class count. The same
 * checks run on export (serializePromptSet), so the studio never writes a file it would refuse.
 */
import type { HostTensor } from '../clip/clip-weights';
import { shapeString, sizeOf } from '../engine/tensor';
import {
  type BoundsContext,
  checkHyperparameters,
  MAX_CLASSES,
  MAX_TEXT_LENGTH,
} from '../methods/hyperparameter-bounds';
import type { Hyperparameters, HyperValue, MethodId, PromptMethod } from '../methods/method';
import { methodDefinitions } from '../methods/registry';
import type { TrainingConfig, TrainingResult } from '../train/trainer';
import type { ModelIdentity } from './model-identity';

export const PROMPT_SET_FORMAT = 'prompt-studio.prompts';
export const PROMPT_SET_VERSION = 1;

/** Accuracies are fractions in [0, 1]; shots a positive whole number; seed and parameters whole numbers ≥ 0. */
export interface PromptSetMetrics {
  testAccuracy: number | null;
  /** The kept epoch's accuracy on the held-out shots; null without validation. */
  validationAccuracy: number | null;
  perClassAccuracy: (number | null)[] | null;
  shots: number | null;
  seed: number | null;
  trainableParameters: number;
  training: TrainingConfig | null;
}

/** A prompt set in memory: the document with its tensors decoded. */
export interface PromptSet {
  model: ModelIdentity;
  method: MethodId;
  hyperparameters: Hyperparameters;
  task: { name: string; classes: string[] };
  tensors: Map<string, HostTensor>;
  metrics: PromptSetMetrics;
  createdAt: string;
}

interface EncodedTensor {
  shape: number[];
  dtype: 'float32';
  data: string;
}

/** An import that cannot be used, with the reason in words for the person who picked the file. */
export class PromptSetError extends Error {
  override name = 'PromptSetError';
}

export function promptSetFromResult(
  result: TrainingResult,
  model: ModelIdentity,
  createdAt = new Date(),
): PromptSet {
  return {
    model,
    method: result.method,
    hyperparameters: result.hyperparameters,
    task: { name: result.task, classes: [...result.classes] },
    tensors: new Map(Object.entries(result.learnables)),
    metrics: {
      testAccuracy: result.test.top1,
      validationAccuracy: result.best?.valAccuracy ?? null,
      perClassAccuracy: result.test.perClass,
      shots: result.shots,
      seed: result.seed,
      trainableParameters: result.trainableParameters,
      training: result.config,
    },
    createdAt: createdAt.toISOString(),
  };
}

// ---- tensors as base64 of little-endian float32 ----

export function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  let binary = '';
  // String.fromCharCode takes its bytes as arguments: chunks stay under engines' argument limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Elements of one tensor: 2^26 float32 (256 MiB) is more than any method learns for any CLIP. */
export const MAX_TENSOR_ELEMENTS = 2 ** 26;

/** Bytes that base64 text decodes to, from its length alone (no decoding, no allocation). */
function base64Bytes(encoded: string): number {
  const padding = encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0;
  return Math.floor((encoded.length * 3) / 4) - padding;
}

export function decodeFloats(name: string, encoded: string, shape: readonly number[]): Float32Array {
  const elements = sizeOf(shape);
  if (elements > MAX_TENSOR_ELEMENTS) {
    throw new PromptSetError(
      `tensor ${name}: shape ${shapeString(shape)} has ${elements} elements, more than the ${MAX_TENSOR_ELEMENTS} a prompt set's tensor may hold`,
    );
  }
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new PromptSetError(`tensor ${name}: data is not valid base64`);
  }
  const expected = elements * 4;
  // The length is checked before decoding, so a shape that does not match the data allocates nothing.
  const holds = base64Bytes(encoded);
  if (holds !== expected) {
    throw new PromptSetError(
      `tensor ${name}: data holds ${holds} bytes, but shape ${shapeString(shape)} needs ${expected} ` +
        '(float32); the file is truncated or was edited',
    );
  }
  const binary = atob(encoded);
  const view = new DataView(new ArrayBuffer(expected));
  for (let i = 0; i < expected; i++) view.setUint8(i, binary.charCodeAt(i));
  const values = new Float32Array(expected / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  checkFinite(name, values);
  return values;
}

/** Throws naming the tensor and the first element that is NaN or ±Infinity. */
export function checkFinite(name: string, values: Float32Array): void {
  const at = values.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) {
    throw new PromptSetError(
      `tensor ${name} holds ${values[at]} at element ${at}: a prompt set's tensors must be finite numbers`,
    );
  }
}

/** The document's JSON text, after the checks import makes: the studio never writes a file it would refuse. */
export function serializePromptSet(set: PromptSet): string {
  checkHyperparameterTypes(set.method, set.hyperparameters);
  checkMetrics(set.metrics, set.task.classes.length);
  for (const [name, t] of set.tensors) checkFinite(name, t.data);
  const tensors: Record<string, EncodedTensor> = {};
  for (const [name, t] of set.tensors)
    tensors[name] = { shape: [...t.shape], dtype: 'float32', data: encodeFloats(t.data) };
  return JSON.stringify(
    {
      format: PROMPT_SET_FORMAT,
      version: PROMPT_SET_VERSION,
      model: set.model,
      method: set.method,
      hyperparameters: set.hyperparameters,
      task: set.task,
      tensors,
      metrics: set.metrics,
      createdAt: set.createdAt,
    },
    null,
    2,
  );
}

// ---- import ----

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(object: Json, path: string, check: (v: unknown) => v is T, what: string): T {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (!(key in object)) throw new PromptSetError(`missing field ${path}`);
  const value = object[key];
  if (!check(value)) throw new PromptSetError(`field ${path} must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isHyperValue = (v: unknown): v is HyperValue => ['number', 'string', 'boolean'].includes(typeof v);

/**
 * Parses and checks a prompt set file's text. With `model`, the set must have been made for that model: same
 * digest and widths. With `bounds`, hyperparameters must fit that model's ranges (building the method checks
 * them again with the class names' token lengths); without, their types and the ranges no model changes.
 */
export function parsePromptSet(
  text: string,
  options: { model?: ModelIdentity; bounds?: BoundsContext } = {},
): PromptSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PromptSetError(`not a prompt set: the file is not JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw new PromptSetError('not a prompt set: the file is JSON but not an object');
  if (json.format !== PROMPT_SET_FORMAT) {
    throw new PromptSetError(
      `not a prompt set: format is ${JSON.stringify(json.format)}, expected "${PROMPT_SET_FORMAT}"`,
    );
  }
  if (json.version !== PROMPT_SET_VERSION) {
    throw new PromptSetError(
      `prompt set version ${JSON.stringify(json.version)} is not supported (this studio reads version ${PROMPT_SET_VERSION})`,
    );
  }
  const modelJson = field(json, 'model', isObject, 'an object');
  const widthsJson = field(modelJson, 'model.widths', isObject, 'an object');
  const model: ModelIdentity = {
    id: field(modelJson, 'model.id', isString, 'text'),
    sha256: field(
      modelJson,
      'model.sha256',
      (v): v is string => isString(v) && /^[0-9a-f]{64}$/.test(v),
      'a SHA-256 in hex',
    ),
    widths: {
      text: field(widthsJson, 'model.widths.text', isCount, 'a positive whole number'),
      vision: field(widthsJson, 'model.widths.vision', isCount, 'a positive whole number'),
      projection: field(widthsJson, 'model.widths.projection', isCount, 'a positive whole number'),
    },
  };
  const method = field(json, 'method', isString, 'text');
  if (!methodDefinitions[method as MethodId]) {
    throw new PromptSetError(
      `unknown method "${method}": this studio has ${Object.keys(methodDefinitions).join(', ')}`,
    );
  }
  const hyperJson = field(json, 'hyperparameters', isObject, 'an object');
  for (const [key, value] of Object.entries(hyperJson)) {
    if (!isHyperValue(value))
      throw new PromptSetError(`hyperparameter ${key} must be a number, text or true/false`);
  }
  checkHyperparameterTypes(method as MethodId, hyperJson as Hyperparameters, options.bounds);
  const taskJson = field(json, 'task', isObject, 'an object');
  const classes = field(taskJson, 'task.classes', isStringList, 'a list of class names');
  if (classes.length === 0) throw new PromptSetError('task.classes is empty');
  if (classes.length > MAX_CLASSES) {
    throw new PromptSetError(
      `task.classes has ${classes.length} classes, more than the ${MAX_CLASSES} allowed`,
    );
  }
  const long = classes.find((name) => name.length > MAX_TEXT_LENGTH);
  if (long !== undefined) {
    throw new PromptSetError(
      `task.classes: a class name of ${long.length} characters is longer than ${MAX_TEXT_LENGTH}`,
    );
  }
  if (new Set(classes).size !== classes.length) throw new PromptSetError('task.classes names a class twice');
  const task = { name: field(taskJson, 'task.name', isString, 'text'), classes };
  const tensorsJson = field(json, 'tensors', isObject, 'an object');
  const tensors = new Map<string, HostTensor>();
  for (const [name, entry] of Object.entries(tensorsJson)) {
    if (!isObject(entry))
      throw new PromptSetError(`tensor ${name} must be an object with shape, dtype and data`);
    const path = `tensors.${name}`;
    const shape = field(
      entry,
      `${path}.shape`,
      (v): v is number[] => Array.isArray(v) && v.length >= 1 && v.length <= 4 && v.every(isCount),
      'a list of one to four sizes',
    );
    field(entry, `${path}.dtype`, (v): v is 'float32' => v === 'float32', '"float32"');
    const data = field(entry, `${path}.data`, isString, 'base64 text');
    tensors.set(name, { shape, data: decodeFloats(name, data, shape) });
  }
  const set: PromptSet = {
    model,
    method: method as MethodId,
    hyperparameters: hyperJson as Hyperparameters,
    task,
    tensors,
    metrics: checkMetrics(field(json, 'metrics', isObject, 'an object'), classes.length),
    createdAt: field(json, 'createdAt', isString, 'a date (ISO 8601 text)'),
  };
  if (options.model) checkModel(set.model, options.model);
  return set;
}

/** Ranges no model changes stand in for the loaded model's when none is given. */
const ANY_MODEL: BoundsContext = {
  textContext: Number.POSITIVE_INFINITY,
  longestClassName: 1,
  longestTaskPhrase: 1,
};

function checkHyperparameterTypes(method: MethodId, values: Hyperparameters, bounds = ANY_MODEL): void {
  try {
    checkHyperparameters(method, values, bounds);
  } catch (error) {
    throw new PromptSetError((error as Error).message);
  }
}

const isFraction = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
const isWhole = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const orNull =
  <T>(check: (v: unknown) => v is T) =>
  (v: unknown): v is T | null =>
    v === null || check(v);
const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The training recipe's fields that are numbers; each must be finite and ≥ 0. */
const TRAINING_NUMBERS = [
  'learningRate',
  'epochs',
  'batchSize',
  'weightDecay',
  'momentum',
  'warmupEpochs',
  'warmupLearningRate',
] as const;

/** The metrics with their documented types and ranges (PromptSetMetrics); throws naming the first fault. */
export function checkMetrics(metrics: object, classes: number): PromptSetMetrics {
  const m = metrics as Json;
  const fraction = 'a fraction from 0 to 1 or null';
  field(m, 'metrics.testAccuracy', orNull(isFraction), fraction);
  field(m, 'metrics.validationAccuracy', orNull(isFraction), fraction);
  field(
    m,
    'metrics.perClassAccuracy',
    orNull(
      (v): v is (number | null)[] => Array.isArray(v) && v.length === classes && v.every(orNull(isFraction)),
    ),
    `null or a list of ${classes} fractions from 0 to 1 (or null), one per class`,
  );
  field(m, 'metrics.shots', orNull(isCount), 'a positive whole number or null');
  field(m, 'metrics.seed', orNull(isWhole), 'a whole number ≥ 0 or null');
  field(m, 'metrics.trainableParameters', isWhole, 'a whole number ≥ 0');
  const training = field(m, 'metrics.training', orNull(isObject), 'an object or null');
  if (training) {
    for (const key of TRAINING_NUMBERS) {
      if (key in training) field(training, `metrics.training.${key}`, isNonNegative, 'a finite number ≥ 0');
    }
    if ('optimizer' in training) {
      field(
        training,
        'metrics.training.optimizer',
        (v): v is string => v === 'sgd' || v === 'adamw',
        '"sgd" or "adamw"',
      );
    }
    if ('augment' in training) {
      field(
        training,
        'metrics.training.augment',
        (v): v is boolean => typeof v === 'boolean',
        'true or false',
      );
    }
  }
  return metrics as PromptSetMetrics;
}

/** Throws naming what differs when a set was made for another model than `loaded`. */
export function checkModel(made: ModelIdentity, loaded: ModelIdentity): void {
  const widths = (['text', 'vision', 'projection'] as const)
    .filter((k) => made.widths[k] !== loaded.widths[k])
    .map((k) => `${k} width ${made.widths[k]} vs ${loaded.widths[k]}`);
  if (widths.length > 0) {
    throw new PromptSetError(
      `this prompt set was made for model "${made.id}", which differs from the loaded "${loaded.id}": ${widths.join(', ')}`,
    );
  }
  if (made.sha256 !== loaded.sha256) {
    throw new PromptSetError(
      `this prompt set was made for model "${made.id}" (sha256 ${made.sha256.slice(0, 12)}…), but the loaded ` +
        `model "${loaded.id}" has different weights (sha256 ${loaded.sha256.slice(0, 12)}…): the same widths, ` +
        'another checkpoint',
    );
  }
}

/** Writes the set's tensors into a method built for the same model and classes, after checking every shape. */
export function loadPromptSetTensors(set: PromptSet, method: PromptMethod): void {
  const expects = (shape: readonly number[]) =>
    `the ${set.method} method expects ${shapeString(shape)} for this model and ${set.task.classes.length} classes`;
  for (const [name, t] of method.learnables) {
    const stored = set.tensors.get(name);
    if (!stored) throw new PromptSetError(`tensor ${name} is missing: ${expects(t.shape)}`);
    if (shapeString(stored.shape) !== shapeString(t.shape)) {
      throw new PromptSetError(
        `tensor ${name} has shape ${shapeString(stored.shape)}, but ${expects(t.shape)}`,
      );
    }
  }
  const extra = [...set.tensors.keys()].filter((name) => !method.learnables.has(name));
  if (extra.length > 0) throw new PromptSetError(`unexpected tensors for ${set.method}: ${extra.join(', ')}`);
  for (const [name, t] of method.learnables) t.backend.write(t, (set.tensors.get(name) as HostTensor).data);
}
