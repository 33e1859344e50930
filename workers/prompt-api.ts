// The prompt-set half of the engine worker's API: checking a document before the Library keeps it,
// predicting with saved sets beside zero-shot, CoOp's nearest-words reading of learned contexts, and the
// safetensors export. Documents cross from the page as their JSON text; each call parses and checks it
// against the loaded model again, so a set kept under another model is refused, not misused.

import type { ClipModel } from '../src/clip/clip-model';
import { decodeImageBlob } from '../src/clip/decode/browser-decode';
import { DEFAULT_TEMPLATE } from '../src/clip/zero-shot';
import { messageOf } from '../src/common/message-of';
import { type ClassScore, PromptSetPredictor } from '../src/prompts/predict';
import { type PromptSet, parsePromptSet } from '../src/prompts/prompt-set';
import { type PromptSetSummary, promptSetSummary } from '../src/prompts/prompt-set-summary';
import { promptSetSafetensors } from '../src/prompts/safetensors-export';
import { type ContextWords, contextWords, learnedTextContexts } from '../src/prompts/text-contexts';
import { FeatureCache } from '../src/train/feature-cache';
import type { FrozenClip } from '../src/train/frozen-clip';
import type { InputImage } from '../src/train/task-data';
import { currentModel } from './current-model';
import type { OpenedBackend } from './engine.worker';

type Exclusive = <T>(work: (opened: OpenedBackend) => Promise<T>) => Promise<T>;

/** One prompt set's answer for the image: its top k and zero-shot's over the same classes, or why not. */
export interface PromptSetPrediction {
  top: ClassScore[] | null;
  zeroShot: ClassScore[] | null;
  error: string | null;
}

export interface ImagePredictions {
  width: number;
  height: number;
  /** In the order of the documents asked for. */
  sets: PromptSetPrediction[];
}

/** Zero-shot CLIP as a prompt set over `set`'s classes with CLIP's default template: nothing learned. */
function zeroShotSet(set: PromptSet): PromptSet {
  return {
    ...set,
    method: 'zero-shot',
    hyperparameters: { templates: DEFAULT_TEMPLATE },
    tensors: new Map(),
  };
}

async function predictWith(
  set: PromptSet,
  clip: FrozenClip,
  image: InputImage,
  k: number,
  cache: FeatureCache,
): Promise<ClassScore[]> {
  const predictor = PromptSetPredictor.create(set, clip, cache);
  try {
    const [prediction] = await predictor.predict([image], k);
    return prediction?.top ?? [];
  } finally {
    predictor.dispose();
  }
}

export function createPromptApi(exclusive: Exclusive) {
  /** The token-embedding table on the host, read from the device once per loaded model. */
  const tokenTables = new WeakMap<ClipModel, Promise<Float32Array>>();
  const tokenTable = (model: ClipModel) => {
    let table = tokenTables.get(model);
    if (!table) {
      table = model.backend.read(model.text.tokenEmbedding);
      tokenTables.set(model, table);
    }
    return table;
  };
  let predictions = 0;

  return {
    /**
     * Checks a prompt set document against the loaded model: the document itself, the model it was made
     * for, and every tensor's shape against the method built for this model and these classes.
     */
    checkPromptSet(json: string): Promise<PromptSetSummary> {
      return exclusive(async () => {
        const { clip, identity } = currentModel();
        const set = parsePromptSet(json, { model: identity });
        PromptSetPredictor.create(set, clip).dispose();
        return promptSetSummary(set);
      });
    },

    /** Each set's top k for one image file, beside zero-shot's over the same classes. */
    predictImage(promptSetJsons: string[], image: Blob, k: number): Promise<ImagePredictions> {
      const name = image instanceof File ? image.name : 'the image';
      // Decoding needs no GPU: it starts now, and a file that is not an image fails before the queue.
      const decoding = decodeImageBlob(image, name);
      decoding.catch(() => undefined);
      return exclusive(async () => {
        const pixels = await decoding;
        const { clip, identity } = currentModel();
        const input: InputImage = { id: `predict-${++predictions}`, image: pixels };
        // One cache for the call: the frozen image features are computed once for every feature method.
        const cache = new FeatureCache(clip);
        const zeroShot = new Map<string, ClassScore[]>();
        const sets: PromptSetPrediction[] = [];
        for (const json of promptSetJsons) {
          try {
            const set = parsePromptSet(json, { model: identity });
            const top = await predictWith(set, clip, input, k, cache);
            const key = JSON.stringify(set.task.classes);
            let baseline = zeroShot.get(key);
            if (!baseline) {
              baseline = await predictWith(zeroShotSet(set), clip, input, k, cache);
              zeroShot.set(key, baseline);
            }
            sets.push({ top, zeroShot: baseline, error: null });
          } catch (error) {
            sets.push({ top: null, zeroShot: null, error: messageOf(error) });
          }
        }
        return { width: pixels.width, height: pixels.height, sets };
      });
    },

    /** The k vocabulary words nearest to each learned text context vector (CoOp's interpretation). */
    nearestWords(json: string, k: number): Promise<ContextWords[]> {
      return exclusive(async () => {
        const { clip, identity } = currentModel();
        const set = parsePromptSet(json, { model: identity });
        const contexts = await learnedTextContexts(set, clip);
        if (contexts.length === 0) return [];
        const width = clip.model.config.text.hiddenSize;
        return contextWords(contexts, await tokenTable(clip.model), width, clip.tokenizer, k);
      });
    },

    /** The document as .safetensors; it needs no model, so it does not wait for the engine. */
    safetensorsFor: async (json: string): Promise<Uint8Array> => promptSetSafetensors(parsePromptSet(json)),
  };
}
