/**
 * The frozen CLIP towers on onnxruntime-web: text_model.onnx and vision_model.onnx as shipped on the Hub.
 * The reference the engine's own towers are checked against, and the fast path for embeddings when nothing
 * needs gradients (zero-shot, feature caching).
 */
import type * as Ort from 'onnxruntime-web';
import type { ClipModelFiles } from './model-files';

type OrtModule = typeof Ort;

export type OrtProvider = 'webgpu' | 'wasm';

/** A float32 output and its dims, e.g. text_embeds [B, D] or last_hidden_state [B, T, W]. */
export interface OrtOutput {
  data: Float32Array;
  dims: readonly number[];
}

export interface OrtClipTowers {
  /** The execution provider the sessions were created on (the first of those asked for that worked). */
  readonly provider: OrtProvider;
  /** ids: [B][T] token ids (ClipTokenizer.encode). */
  runText(
    ids: readonly (readonly number[])[],
  ): Promise<{ textEmbeds: OrtOutput; lastHiddenState: OrtOutput }>;
  /** pixels: [B, 3, H, W] normalised pixel values (preprocessImages). */
  runVision(
    pixels: Float32Array,
    shape: readonly number[],
  ): Promise<{ imageEmbeds: OrtOutput; lastHiddenState: OrtOutput }>;
  release(): Promise<void>;
}

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/**
 * onnxruntime-web: its browser build carries both the WebGPU and the WebAssembly providers; in Node the
 * package resolves to its Node build, WebAssembly only, which we keep on one thread (threads need worker
 * plumbing the CLI does not have, and the machines that run the tests are small).
 */
async function loadOrt(): Promise<OrtModule> {
  const ort = await import('onnxruntime-web');
  if (isNode) ort.env.wasm.numThreads = 1;
  return ort;
}

export const DEFAULT_PROVIDERS: readonly OrtProvider[] = isNode ? ['wasm'] : ['webgpu', 'wasm'];

/**
 * Creates both sessions on the first provider that can hold them. Providers are tried one by one, rather than
 * handed to ORT as a list, so that we know which one is in use.
 */
export async function createOrtTowers(
  files: ClipModelFiles,
  providers: readonly OrtProvider[] = DEFAULT_PROVIDERS,
): Promise<OrtClipTowers> {
  const runtime = await loadOrt();
  const externalData = [...files.externalData].map(([path, data]) => ({ path, data }));
  const failures: string[] = [];
  for (const provider of providers) {
    const options = { executionProviders: [provider], externalData };
    try {
      const text = await runtime.InferenceSession.create(files.textModel, options);
      const vision = await runtime.InferenceSession.create(files.visionModel, options).catch(
        async (error) => {
          await text.release();
          throw error;
        },
      );
      return towers(runtime, provider, text, vision, files.source);
    } catch (error) {
      failures.push(`${provider}: ${(error as Error).message}`);
    }
  }
  throw new Error(`onnxruntime could not load ${files.source}'s ONNX graphs (${failures.join('; ')})`);
}

function towers(
  ort: OrtModule,
  provider: OrtProvider,
  text: Ort.InferenceSession,
  vision: Ort.InferenceSession,
  source: string,
): OrtClipTowers {
  const output = (session: Ort.InferenceSession, results: Ort.InferenceSession.ReturnType, name: string) => {
    const tensor = results[name];
    if (!tensor) {
      throw new Error(
        `${source}: the graph has no output ${name} (it has ${session.outputNames.join(', ')})`,
      );
    }
    if (tensor.type !== 'float32')
      throw new Error(`${source}: output ${name} is ${tensor.type}, not float32`);
    return { data: tensor.data as Float32Array, dims: tensor.dims };
  };
  const input = (session: Ort.InferenceSession, name: string) => {
    if (!session.inputNames.includes(name)) {
      throw new Error(`${source}: the graph has no input ${name} (it has ${session.inputNames.join(', ')})`);
    }
  };
  input(text, 'input_ids');
  input(vision, 'pixel_values');
  return {
    provider,
    async runText(ids) {
      const batch = ids.length;
      const length = ids[0]?.length ?? 0;
      if (ids.some((row) => row.length !== length))
        throw new Error('runText: every row needs the same length');
      const dims = [batch, length];
      const feeds: Record<string, Ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), dims),
      };
      // Exports that also take a mask get all ones: the causal mask already keeps the padding after
      // <|endoftext|> from reaching the pooled token, so the embeddings do not depend on it.
      if (text.inputNames.includes('attention_mask')) {
        feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(batch * length).fill(1n), dims);
      }
      const results = await text.run(feeds);
      return {
        textEmbeds: output(text, results, 'text_embeds'),
        lastHiddenState: output(text, results, 'last_hidden_state'),
      };
    },
    async runVision(pixels, shape) {
      const results = await vision.run({ pixel_values: new ort.Tensor('float32', pixels, shape) });
      return {
        imageEmbeds: output(vision, results, 'image_embeds'),
        lastHiddenState: output(vision, results, 'last_hidden_state'),
      };
    },
    async release() {
      await Promise.all([text.release(), vision.release()]);
    },
  };
}
