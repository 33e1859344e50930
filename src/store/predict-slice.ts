import type { StateCreator } from 'zustand';
import type { ImagePredictions } from '../../workers/prompt-api';
import { messageOf } from '../common/message-of';
import { engineClient } from '../worker-client/engine-client';
import type { StudioState } from './studio-store';

export interface PredictImage {
  file: File;
  /** An object URL for the preview; revoked when another image replaces it. */
  url: string;
}

export interface PredictResult {
  /** The prompt sets asked, in the order of `predictions.sets`. */
  setIds: string[];
  k: number;
  predictions: ImagePredictions;
}

export interface PredictState {
  image: PredictImage | null;
  /** Prompt sets left out; every other set in the Library takes part, sets added later too. */
  excluded: string[];
  k: number;
  running: boolean;
  result: PredictResult | null;
  /** Why the image could not be used, or the prediction failed. */
  error: string | null;
}

export interface PredictSlice {
  predict: PredictState;
  /** Takes the image and predicts on it with the chosen prompt sets. */
  setPredictImage(file: File): Promise<void>;
  setPredictSetIncluded(id: string, included: boolean): Promise<void>;
  setPredictTopK(k: number): Promise<void>;
  runPrediction(): Promise<void>;
}

export const createPredictSlice: StateCreator<StudioState, [], [], PredictSlice> = (set, get) => {
  const update = (change: Partial<PredictState>) => set({ predict: { ...get().predict, ...change } });
  // Only the latest request's answer is shown: an earlier one finishing late must not replace it.
  let latest = 0;

  return {
    predict: { image: null, excluded: [], k: 3, running: false, result: null, error: null },

    async setPredictImage(file) {
      const previous = get().predict.image;
      if (previous) URL.revokeObjectURL(previous.url);
      update({ image: { file, url: URL.createObjectURL(file) }, result: null, error: null });
      await get().runPrediction();
    },

    async setPredictSetIncluded(id, included) {
      const excluded = get().predict.excluded.filter((e) => e !== id);
      update({ excluded: included ? excluded : [...excluded, id] });
      await get().runPrediction();
    },

    async setPredictTopK(k) {
      update({ k });
      await get().runPrediction();
    },

    async runPrediction() {
      const { image, excluded, k } = get().predict;
      if (!image) return;
      const chosen = get().library.promptSets.filter((p) => !excluded.includes(p.id));
      const request = ++latest;
      update({ running: true, error: null });
      try {
        const predictions = await engineClient().call((api) =>
          api.predictImage(
            chosen.map((p) => p.json),
            image.file,
            k,
          ),
        );
        if (request !== latest) return;
        update({ running: false, result: { setIds: chosen.map((p) => p.id), k, predictions } });
      } catch (error) {
        if (request !== latest) return;
        // A file that does not decode (not an image, corrupt) is dropped: there is nothing to preview. Other
        // failures (no model yet) keep the image for another try.
        const undecodable = error instanceof Error && error.name === 'ImageDecodeError';
        if (undecodable) URL.revokeObjectURL(image.url);
        update({
          running: false,
          ...(undecodable ? { image: null } : {}),
          result: null,
          error: messageOf(error),
        });
      }
    },
  };
};
