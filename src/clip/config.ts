/**
 * Hugging Face's CLIPConfig (`config.json` of a Hub CLIP), parsed and checked. Missing keys take
 * transformers' defaults, as `CLIPConfig.from_pretrained` does (those are ViT-B/32's numbers); old configs'
 * `text_config_dict` / `vision_config_dict` override `text_config` / `vision_config`, as in transformers.
 */

export type HiddenAct = 'quick_gelu' | 'gelu';

export interface TowerConfig {
  hiddenSize: number;
  intermediateSize: number;
  heads: number;
  layers: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

export interface TextConfig extends TowerConfig {
  vocabSize: number;
  maxPositions: number;
}

export interface VisionConfig extends TowerConfig {
  imageSize: number;
  patchSize: number;
  channels: number;
}

export interface ClipConfig {
  text: TextConfig;
  vision: VisionConfig;
  projectionDim: number;
  /**
   * The temperature as the raw parameter, ln(scale): the trained value where config.json records it as
   * `logit_scale` (our exports do), else `logit_scale_init_value`.
   */
  logitScaleLog: number;
}

type Json = Record<string, unknown>;

const TEXT_DEFAULTS: Json = {
  vocab_size: 49408,
  hidden_size: 512,
  intermediate_size: 2048,
  num_hidden_layers: 12,
  num_attention_heads: 8,
  max_position_embeddings: 77,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
};

const VISION_DEFAULTS: Json = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_channels: 3,
  image_size: 224,
  patch_size: 32,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
};

const DEFAULT_PROJECTION_DIM = 512;
/** ln(1/0.07), CLIP's initial temperature. */
const DEFAULT_LOGIT_SCALE_INIT = 2.6592;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new Error(`config.json: ${message}`);
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positiveNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(`${what} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(`${what} must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The tower's section with defaults filled in and the legacy `*_config_dict` applied on top. */
function section(config: Json, name: 'text' | 'vision', defaults: Json): Json {
  const key = `${name}_config`;
  const given = config[key] ?? {};
  const legacy = config[`${key}_dict`] ?? {};
  if (!isObject(given) || !isObject(legacy)) fail(`${key} must be an object`);
  // JSON null means "not set" in transformers' serialisation.
  const present = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
  return { ...defaults, ...present(given), ...present(legacy) };
}

function tower(s: Json, where: string): TowerConfig {
  const hiddenSize = positiveInteger(s.hidden_size, `${where}.hidden_size`);
  const heads = positiveInteger(s.num_attention_heads, `${where}.num_attention_heads`);
  if (hiddenSize % heads !== 0) {
    fail(`${where}.hidden_size ${hiddenSize} is not divisible by num_attention_heads ${heads}`);
  }
  const act = s.hidden_act;
  if (act !== 'quick_gelu' && act !== 'gelu') {
    fail(`${where}.hidden_act ${JSON.stringify(act)} is not supported (quick_gelu or gelu)`);
  }
  return {
    hiddenSize,
    intermediateSize: positiveInteger(s.intermediate_size, `${where}.intermediate_size`),
    heads,
    layers: positiveInteger(s.num_hidden_layers, `${where}.num_hidden_layers`),
    hiddenAct: act,
    layerNormEps: positiveNumber(s.layer_norm_eps, `${where}.layer_norm_eps`),
  };
}

/** Parses config.json's text (or already parsed JSON); throws `config.json: …` naming the bad key. */
export function parseClipConfig(source: string | unknown): ClipConfig {
  let config: unknown = source;
  if (typeof source === 'string') {
    try {
      config = JSON.parse(source);
    } catch (error) {
      fail(`not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(config)) fail('not a JSON object');
  const modelType = config.model_type;
  if (modelType !== undefined && modelType !== 'clip') {
    fail(`model_type ${JSON.stringify(modelType)} is not a CLIP ("clip")`);
  }
  const textSection = section(config, 'text', TEXT_DEFAULTS);
  const visionSection = section(config, 'vision', VISION_DEFAULTS);
  const vision: VisionConfig = {
    ...tower(visionSection, 'vision_config'),
    imageSize: positiveInteger(visionSection.image_size, 'vision_config.image_size'),
    patchSize: positiveInteger(visionSection.patch_size, 'vision_config.patch_size'),
    channels: positiveInteger(visionSection.num_channels, 'vision_config.num_channels'),
  };
  if (vision.imageSize % vision.patchSize !== 0) {
    fail(`vision_config.image_size ${vision.imageSize} is not a multiple of patch_size ${vision.patchSize}`);
  }
  const scale = config.logit_scale ?? config.logit_scale_init_value ?? DEFAULT_LOGIT_SCALE_INIT;
  return {
    text: {
      ...tower(textSection, 'text_config'),
      vocabSize: positiveInteger(textSection.vocab_size, 'text_config.vocab_size'),
      maxPositions: positiveInteger(
        textSection.max_position_embeddings,
        'text_config.max_position_embeddings',
      ),
    },
    vision,
    projectionDim: positiveInteger(config.projection_dim ?? DEFAULT_PROJECTION_DIM, 'projection_dim'),
    logitScaleLog: finiteNumber(
      scale,
      config.logit_scale === undefined ? 'logit_scale_init_value' : 'logit_scale',
    ),
  };
}

/** Tokens of one image: the patches and the class token. */
export function visionTokens(vision: VisionConfig): number {
  return (vision.imageSize / vision.patchSize) ** 2 + 1;
}
