/**
 * CLIPImageProcessor in TypeScript, driven by `preprocessor_config.json`: RGB, resize (shortest edge or fixed
 * size), centre crop, rescale, normalise, CHW float32. The resize is PIL's, reproduced to the integer: the
 * transformers processor hands PIL a uint8 image, and a different bicubic moves pixels by whole 1/255 steps,
 * which after normalisation is ~0.015: more than the model's own float error. So we do what Pillow's
 * libImaging/Resample.c does: separable convolution (horizontal pass, round to uint8, vertical pass), the
 * a = -0.5 bicubic kernel stretched by the scale when downsampling (antialias), weights in 22-bit fixed point.
 */

/** RGBA pixels, row-major, as ImageData and the Node decoders give them. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export interface Size {
  height: number;
  width: number;
}

/** Normalised pixel values of one image, CHW: [3, height, width]. */
export interface PixelValues {
  data: Float32Array;
  height: number;
  width: number;
}

/** What preprocessor_config.json asks for, validated; a step that is off is null. */
export interface ImageProcessorConfig {
  resize: { shortestEdge: number } | Size | null;
  crop: Size | null;
  rescaleFactor: number | null;
  normalize: { mean: readonly [number, number, number]; std: readonly [number, number, number] } | null;
}

/** PIL's resampling filter ids; transformers passes them through to `Image.resize`. */
const PIL_BICUBIC = 3;
/** CLIPImageProcessor's defaults: ViT-B's 224 px and OpenAI's dataset statistics. */
const DEFAULT_SIZE = 224;
const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/**
 * Reads a preprocessor_config.json (CLIPImageProcessor or the older CLIPFeatureExtractor form, where `size`
 * and `crop_size` are plain numbers). Defaults are CLIPImageProcessor's.
 */
export function parseImageProcessorConfig(json: unknown): ImageProcessorConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('preprocessor_config.json: not a JSON object');
  }
  const c = json as Record<string, unknown>;
  const fail = (why: string) => new Error(`preprocessor_config.json: ${why}`);
  const flag = (name: string) => {
    const value = c[name] ?? true;
    if (typeof value !== 'boolean') throw fail(`${name} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const positive = (name: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) <= 0) {
      throw fail(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value as number;
  };
  const size = (name: string, value: unknown): Size | { shortestEdge: number } => {
    if (typeof value === 'number') return { shortestEdge: positive(name, value) };
    const s = (value ?? {}) as Record<string, unknown>;
    if ('shortest_edge' in s) {
      if ('longest_edge' in s) throw fail(`${name}.longest_edge is not supported`);
      return { shortestEdge: positive(`${name}.shortest_edge`, s.shortest_edge) };
    }
    return { height: positive(`${name}.height`, s.height), width: positive(`${name}.width`, s.width) };
  };
  const triple = (name: string, fallback: number[]) => {
    const value = c[name] ?? fallback;
    if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number')) {
      throw fail(`${name} must be three numbers (R, G, B), got ${JSON.stringify(value)}`);
    }
    return value as unknown as readonly [number, number, number];
  };

  let resize: ImageProcessorConfig['resize'] = null;
  if (flag('do_resize')) {
    const resample = c.resample ?? PIL_BICUBIC;
    if (resample !== PIL_BICUBIC)
      throw fail(`resample ${JSON.stringify(resample)} is not supported (only 3, bicubic)`);
    resize = size('size', c.size ?? DEFAULT_SIZE);
  }
  let crop: Size | null = null;
  if (flag('do_center_crop')) {
    const given = c.crop_size ?? DEFAULT_SIZE;
    const cropSize = typeof given === 'number' ? { height: given, width: given } : given;
    const parsed = size('crop_size', cropSize);
    if ('shortestEdge' in parsed) throw fail('crop_size needs height and width');
    crop = parsed;
  }
  let rescaleFactor: number | null = null;
  if (flag('do_rescale')) {
    rescaleFactor = c.rescale_factor === undefined ? 1 / 255 : Number(c.rescale_factor);
    if (!Number.isFinite(rescaleFactor))
      throw fail(`rescale_factor ${JSON.stringify(c.rescale_factor)} is not a number`);
  }
  const normalize = flag('do_normalize')
    ? { mean: triple('image_mean', OPENAI_CLIP_MEAN), std: triple('image_std', OPENAI_CLIP_STD) }
    : null;
  return { resize, crop, rescaleFactor, normalize };
}

/** The size the resize step produces: transformers' get_resize_output_image_size (int() of the long side). */
export function resizedSize(width: number, height: number, resize: ImageProcessorConfig['resize']): Size {
  if (resize === null) return { height, width };
  if (!('shortestEdge' in resize)) return resize;
  const edge = resize.shortestEdge;
  return width <= height
    ? { width: edge, height: Math.trunc((edge * height) / width) }
    : { height: edge, width: Math.trunc((edge * width) / height) };
}

/**
 * One image to normalised pixel values, CHW float32 [3, H, W]. Alpha is dropped, as PIL's convert("RGB")
 * (do_convert_rgb) drops it: the model only takes three channels, so this is done whatever the config says.
 */
export function preprocessImage(image: RgbaImage, config: ImageProcessorConfig): PixelValues {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new Error(
      `preprocess: ${width}x${height} RGBA image needs ${width * height * 4} bytes, got ${data.length}`,
    );
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[p * 3] = data[p * 4] as number;
    rgb[p * 3 + 1] = data[p * 4 + 1] as number;
    rgb[p * 3 + 2] = data[p * 4 + 2] as number;
  }
  const target = resizedSize(width, height, config.resize);
  const resized = resizeBicubic(rgb, { width, height }, target);
  const out = config.crop ?? target;
  // transformers' center_crop: offsets floor((size - crop) / 2); where the crop is larger, zero padding.
  const top = Math.floor((target.height - out.height) / 2);
  const left = Math.floor((target.width - out.width) / 2);
  const plane = out.height * out.width;
  const pixels = new Float32Array(3 * plane);
  const rescale = config.rescaleFactor ?? 1;
  const mean = config.normalize?.mean ?? [0, 0, 0];
  const std = config.normalize?.std ?? [1, 1, 1];
  for (let y = 0; y < out.height; y++) {
    const sy = y + top;
    for (let x = 0; x < out.width; x++) {
      const sx = x + left;
      const inside = sy >= 0 && sy < target.height && sx >= 0 && sx < target.width;
      for (let c = 0; c < 3; c++) {
        const v = inside ? (resized[(sy * target.width + sx) * 3 + c] as number) : 0;
        pixels[c * plane + y * out.width + x] = (v * rescale - (mean[c] as number)) / (std[c] as number);
      }
    }
  }
  return { data: pixels, height: out.height, width: out.width };
}

/** A batch [B, 3, H, W] of images that preprocess to the same size (always so with a centre crop). */
export function preprocessImages(
  images: readonly RgbaImage[],
  config: ImageProcessorConfig,
): { data: Float32Array; shape: [number, number, number, number] } {
  const outputs = images.map((image) => preprocessImage(image, config));
  const first = outputs[0];
  if (!first) throw new Error('preprocess: no images');
  const data = new Float32Array(outputs.length * first.data.length);
  outputs.forEach((pixels, i) => {
    if (pixels.height !== first.height || pixels.width !== first.width) {
      throw new Error(
        `preprocess: image ${i} becomes ${pixels.width}x${pixels.height}, image 0 ${first.width}x${first.height}; ` +
          'without a centre crop every image needs the same aspect',
      );
    }
    data.set(pixels.data, i * first.data.length);
  });
  return { data, shape: [outputs.length, 3, first.height, first.width] };
}

// ---- PIL's resampling (Pillow libImaging/Resample.c), 8 bits per channel ----

const PRECISION_BITS = 32 - 8 - 2;
const BICUBIC_SUPPORT = 2;

/** Keys' cubic convolution kernel with a = -0.5, PIL's BICUBIC. */
function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per output position: the first input index, the tap count and the fixed-point weights (ksize apart). */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  ksize: number;
}

/** precompute_coeffs + normalize_coeffs_8bpc, in the same double arithmetic and the same order. */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  // Downsampling widens the kernel by the scale: every input pixel contributes (antialiasing).
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) / filterScale);
      sum += k[x] as number;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum === 0 ? (k[x] as number) : (k[x] as number) / sum;
      // C's (int) cast truncates; PIL rounds half away from zero by adding ±0.5 first.
      weights[xx * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, ksize };
}

/** Fixed point back to uint8: PIL adds half a unit before summing, then shifts (floors) and clamps. */
function clip8(sum: number): number {
  const v = Math.floor(sum / (1 << PRECISION_BITS));
  return Math.min(Math.max(v, 0), 255);
}

/**
 * Resamples an interleaved RGB uint8 image along one axis: each of `lines` rows (axis x) or columns (axis y)
 * independently, from inSize to outSize pixels. `width` is the image width before this pass.
 */
function resampleAxis(
  src: Uint8Array,
  lines: number,
  inSize: number,
  outSize: number,
  axis: 'x' | 'y',
  width: number,
): Uint8Array {
  const { first, count, weights, ksize } = taps(inSize, outSize);
  const outWidth = axis === 'x' ? outSize : width;
  const dst = new Uint8Array(lines * outSize * 3);
  const half = 1 << (PRECISION_BITS - 1);
  for (let line = 0; line < lines; line++) {
    for (let o = 0; o < outSize; o++) {
      const start = first[o] as number;
      const n = count[o] as number;
      let r = half;
      let g = half;
      let b = half;
      for (let t = 0; t < n; t++) {
        const w = weights[o * ksize + t] as number;
        const i = axis === 'x' ? (line * inSize + start + t) * 3 : ((start + t) * width + line) * 3;
        r += (src[i] as number) * w;
        g += (src[i + 1] as number) * w;
        b += (src[i + 2] as number) * w;
      }
      const j = axis === 'x' ? (line * outWidth + o) * 3 : (o * outWidth + line) * 3;
      dst[j] = clip8(r);
      dst[j + 1] = clip8(g);
      dst[j + 2] = clip8(b);
    }
  }
  return dst;
}

/** PIL's Image.resize(size, BICUBIC) of an RGB image: horizontal pass first, each pass only if needed. */
export function resizeBicubic(rgb: Uint8Array, from: Size, to: Size): Uint8Array {
  let pixels = rgb;
  if (to.width !== from.width)
    pixels = resampleAxis(pixels, from.height, from.width, to.width, 'x', from.width);
  if (to.height !== from.height)
    pixels = resampleAxis(pixels, to.width, from.height, to.height, 'y', to.width);
  return pixels;
}
