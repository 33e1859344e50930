/**
 * The model shipped with the app (models/tiny-clip, Hub layout), in the browser: Vite copies each file into
 * the build and gives its URL; we fetch them like any other source.
 */
import configUrl from '../../../models/tiny-clip/config.json?url';
import textModelUrl from '../../../models/tiny-clip/onnx/text_model.onnx?url';
import visionModelUrl from '../../../models/tiny-clip/onnx/vision_model.onnx?url';
import preprocessorConfigUrl from '../../../models/tiny-clip/preprocessor_config.json?url';
import tokenizerUrl from '../../../models/tiny-clip/tokenizer.json?url';
import tokenizerConfigUrl from '../../../models/tiny-clip/tokenizer_config.json?url';
import { type ClipModelFiles, collectModelFiles, MODEL_FILES, type ModelFileKey } from '../model-files';
import { fetchFile, type ProgressListener } from './fetch-file';

const URLS: Record<ModelFileKey, string> = {
  config: configUrl,
  preprocessorConfig: preprocessorConfigUrl,
  tokenizer: tokenizerUrl,
  tokenizerConfig: tokenizerConfigUrl,
  textModel: textModelUrl,
  visionModel: visionModelUrl,
};

const URL_OF_PATH = new Map(
  (Object.keys(MODEL_FILES) as ModelFileKey[]).map((key) => [MODEL_FILES[key] as string, URLS[key]]),
);

export function embeddedModel(onProgress?: ProgressListener): Promise<ClipModelFiles> {
  return collectModelFiles('the embedded model', async (path) => {
    const url = URL_OF_PATH.get(path);
    return url === undefined ? null : fetchFile(url, path, onProgress);
  });
}
