/**
 * Which CLIP a prompt set was trained on. Learned prompts only mean something to the exact frozen weights
 * they were tuned against, so a prompt set names them by digest, not only by name. The digest is SHA-256
 * over the SHA-256s of config.json, onnx/text_model.onnx, onnx/vision_model.onnx and any external data files
 * (in name order): hashing each file alone means no multi-hundred-megabyte concatenation is ever built, and
 * crypto.subtle computes the same in the browser and in Node.
 */
import { parseClipConfig } from '../clip/config';
import { type ClipModelFiles, MODEL_FILES } from '../clip/model-files';

export interface ModelWidths {
  text: number;
  vision: number;
  projection: number;
}

export interface ModelIdentity {
  /** What the user calls it: "embedded", a Hub id, a folder name. */
  id: string;
  sha256: string;
  widths: ModelWidths;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function modelIdentity(files: ClipModelFiles, id: string): Promise<ModelIdentity> {
  const config = parseClipConfig(files.config);
  const parts: [string, Uint8Array][] = [
    [MODEL_FILES.config, new TextEncoder().encode(files.config)],
    [MODEL_FILES.textModel, files.textModel],
    [MODEL_FILES.visionModel, files.visionModel],
    ...[...files.externalData].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ];
  const digests = await Promise.all(parts.map(([, bytes]) => sha256(bytes)));
  const joined = new Uint8Array(digests.length * 32);
  digests.forEach((d, i) => {
    joined.set(d, i * 32);
  });
  return {
    id,
    sha256: hex(await sha256(joined)),
    widths: {
      text: config.text.hiddenSize,
      vision: config.vision.hiddenSize,
      projection: config.projectionDim,
    },
  };
}
