/**
 * A CLIP as files in the Hub layout transformers.js uses (Xenova's exports, and the embedded model):
 *
 *     config.json  preprocessor_config.json  tokenizer.json  tokenizer_config.json
 *     onnx/text_model.onnx  onnx/vision_model.onnx  (+ external data beside them, for graphs over 2 GB)
 *
 * Every source (a folder in Node, the Hub, the embedded model, files a user drops) produces the same
 * ClipModelFiles; what reads them never knows where they came from.
 */

export interface ClipModelFiles {
  /** Where the files came from, for messages: a folder, a Hub id, "embedded model", "dropped files". */
  source: string;
  config: string;
  preprocessorConfig: string;
  tokenizer: string;
  /** Names the special tokens; without it they are OpenAI's. */
  tokenizerConfig: string | null;
  textModel: Uint8Array;
  visionModel: Uint8Array;
  /** External-data files the graphs reference, by file name (as the graph's `location` gives it). */
  externalData: Map<string, Uint8Array>;
}

export const MODEL_FILES = {
  config: 'config.json',
  preprocessorConfig: 'preprocessor_config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  textModel: 'onnx/text_model.onnx',
  visionModel: 'onnx/vision_model.onnx',
} as const;

export type ModelFileKey = keyof typeof MODEL_FILES;

const REQUIRED: readonly ModelFileKey[] = [
  'config',
  'preprocessorConfig',
  'tokenizer',
  'textModel',
  'visionModel',
];

export class MissingModelFileError extends Error {
  override name = 'MissingModelFileError';

  constructor(
    readonly source: string,
    readonly paths: readonly string[],
  ) {
    super(
      `${source} has no ${paths.join(', ')}: a CLIP needs ${REQUIRED.map((k) => MODEL_FILES[k]).join(', ')} ` +
        `(and optionally ${MODEL_FILES.tokenizerConfig}), as in Xenova's Hub exports`,
    );
  }
}

/** Whether a file name is external data of one of the two graphs: `text_model.onnx_data`, `…onnx.data`. */
export function isExternalDataOf(fileName: string): boolean {
  return ['text_model.onnx', 'vision_model.onnx'].some(
    (graph) => fileName.startsWith(graph) && fileName !== graph,
  );
}

/**
 * Reads every file through `read` (null for a file that is not there): the small JSON files first, so a
 * folder or repository that is not a CLIP fails before hundreds of megabytes of graph are fetched. Names all
 * missing files of a phase at once.
 */
export async function collectModelFiles(
  source: string,
  read: (path: string) => Promise<Uint8Array | null>,
  externalData: Map<string, Uint8Array> = new Map(),
): Promise<ClipModelFiles> {
  const readAll = async <K extends ModelFileKey>(keys: readonly K[]) => {
    const contents = await Promise.all(keys.map((key) => read(MODEL_FILES[key])));
    const missing = keys
      .filter((key, i) => REQUIRED.includes(key) && !contents[i])
      .map((key) => MODEL_FILES[key]);
    if (missing.length > 0) throw new MissingModelFileError(source, missing);
    return contents;
  };
  const text = (bytes: Uint8Array | null) => (bytes ? new TextDecoder().decode(bytes) : null);
  const [config, preprocessorConfig, tokenizer, tokenizerConfig] = (
    await readAll(['config', 'preprocessorConfig', 'tokenizer', 'tokenizerConfig'] as const)
  ).map(text);
  const [textModel, visionModel] = await readAll(['textModel', 'visionModel'] as const);
  return {
    source,
    config: config as string,
    preprocessorConfig: preprocessorConfig as string,
    tokenizer: tokenizer as string,
    tokenizerConfig: tokenizerConfig ?? null,
    textModel: textModel as Uint8Array,
    visionModel: visionModel as Uint8Array,
    externalData,
  };
}
