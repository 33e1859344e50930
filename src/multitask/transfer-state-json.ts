/**
 * A transfer state's JSON envelope (transfer-state.ts has the whole format), read without decoding the
 * prompts' tensors: the page reads a stored study's settings through this, and needs no tensor codec.
 */
import type { TransferSettings } from './transfer-state';

export const TRANSFER_STATE_FORMAT = 'prompt-studio.transfer-state';
export const TRANSFER_STATE_VERSION = 1;

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The state's JSON, its format, version and fields checked; its prompts' tensors still base64. */
export function readTransferStateJson(text: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a transfer state: the file is not JSON (${(error as Error).message})`);
  }
  if (!isObject(json) || json.format !== TRANSFER_STATE_FORMAT) {
    throw new Error(`not a transfer state: its format is not "${TRANSFER_STATE_FORMAT}"`);
  }
  if (json.version !== TRANSFER_STATE_VERSION) {
    throw new Error(
      `transfer state version ${JSON.stringify(json.version)} is not ${TRANSFER_STATE_VERSION}`,
    );
  }
  for (const key of [
    'model',
    'method',
    'hyperparameters',
    'shots',
    'seed',
    'config',
    'tasks',
    'prompts',
    'cells',
  ]) {
    if (!(key in json)) throw new Error(`transfer state: missing field ${key}`);
  }
  return json;
}

/** The settings every prompt and cell of a stored state depends on. */
export function transferStateSettings(text: string): TransferSettings {
  const { model, method, hyperparameters, shots, seed, config } = readTransferStateJson(text);
  return { model, method, hyperparameters, shots, seed, config } as TransferSettings;
}
