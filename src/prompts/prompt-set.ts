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
 * a tensor whose bytes do not fill its shape, and (when loaded into a method) a tensor whose shape is not the
 * one the method has for this model and class count.
 */
import type { HostTensor } from '../clip/clip-weights';
import { shapeString, sizeOf } from '../engine/tensor';
import type { Hyperparameters, HyperValue, MethodId, PromptMethod } from '../methods/method';
import { methodDefinitions } from '../methods/registry';
import type { TrainingConfig, TrainingResult } from '../train/trainer';
import type { ModelIdentity } from './model-identity';

export const PROMPT_SET_FORMAT = 'prompt-studio.prompts';
export const PROMPT_SET_VERSION = 1;

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

export function decodeFloats(name: string, encoded: string, shape: readonly number[]): Float32Array {
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    throw new PromptSetError(`tensor ${name}: data is not valid base64`);
  }
  const expected = sizeOf(shape) * 4;
  if (binary.length !== expected) {
    throw new PromptSetError(
      `tensor ${name}: data holds ${binary.length} bytes, but shape ${shapeString(shape)} needs ${expected} ` +
        '(float32); the file is truncated or was edited',
    );
  }
  const view = new DataView(new ArrayBuffer(expected));
  for (let i = 0; i < expected; i++) view.setUint8(i, binary.charCodeAt(i));
  const values = new Float32Array(expected / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

export function serializePromptSet(set: PromptSet): string {
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
 * digest and widths.
 */
export function parsePromptSet(text: string, options: { model?: ModelIdentity } = {}): PromptSet {
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
  const taskJson = field(json, 'task', isObject, 'an object');
  const classes = field(taskJson, 'task.classes', isStringList, 'a list of class names');
  if (classes.length === 0) throw new PromptSetError('task.classes is empty');
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
      (v): v is number[] => Array.isArray(v) && v.every(isCount),
      'a list of sizes',
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
    metrics: field(json, 'metrics', isObject, 'an object') as unknown as PromptSetMetrics,
    createdAt: field(json, 'createdAt', isString, 'a date (ISO 8601 text)'),
  };
  if (options.model) checkModel(set.model, options.model);
  return set;
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
