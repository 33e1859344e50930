import { type ClipModel, loadClipModel } from '../clip/clip-model';
import type { ClipModelFiles } from '../clip/model-files';
import { type ImageProcessorConfig, parseImageProcessorConfig } from '../clip/preprocess';
import { ClipTokenizer } from '../clip/tokenizer';
import type { Backend } from '../engine/backend';

/** The frozen CLIP every method of a session shares, with what turns texts and images into its inputs. */
export interface FrozenClip {
  model: ClipModel;
  tokenizer: ClipTokenizer;
  processor: ImageProcessorConfig;
}

export function loadFrozenClip(files: ClipModelFiles, backend: Backend): FrozenClip {
  return {
    model: loadClipModel(files, backend),
    tokenizer: ClipTokenizer.fromJson(files.tokenizer, files.tokenizerConfig ?? undefined),
    processor: parseImageProcessorConfig(JSON.parse(files.preprocessorConfig)),
  };
}
