import { loadavg } from 'node:os';
import type { Backend } from '../../engine/backend';
import { CpuBackend } from '../../engine/cpu/cpu-backend';
import { randomBlockWeights } from '../../engine/nn/random-block-weights';
import { residualAttentionBlock } from '../../engine/nn/residual-attention-block';
import { MATMUL_VARIANTS, type MatmulVariant, matmulRaw, matmulSpec } from '../../engine/ops/matmul';
import { Random } from '../../engine/random';
import { Tape } from '../../engine/tape';
import { type ParsedArgs, UsageError } from '../args';
import { openCommandBackend } from '../engine-backend';
import { onnxruntimeWasmGflops, torchGflops } from '../matmul-peers';
import { emit, formatBytes, table } from '../output';

interface MatmulShape {
  name: string;
  m: number;
  k: number;
  n: number;
  /** B is stored [N, K] as nn.Linear's weight (the forward); false: [K, N] (dX = dY·W in the backward). */
  transB: boolean;
}

/** ViT-B/16 at batch 32: 197 tokens per image, width 768, MLP 3072 (QKV fused as in the list). */
const VIT_B16_ROWS = 32 * 197;
const VIT_B16_MATMULS: readonly MatmulShape[] = [
  { name: 'qkv 6304×768·768×2304', m: VIT_B16_ROWS, k: 768, n: 2304, transB: true },
  { name: 'out-proj 6304×768·768×768', m: VIT_B16_ROWS, k: 768, n: 768, transB: true },
  { name: 'fc1 6304×768·768×3072', m: VIT_B16_ROWS, k: 768, n: 3072, transB: true },
  { name: 'fc2 6304×3072·3072×768', m: VIT_B16_ROWS, k: 3072, n: 768, transB: true },
  { name: 'square 1024', m: 1024, k: 1024, n: 1024, transB: true },
];

/** The embedded model's vision tower at batch 32 (17 tokens, width 128, MLP 512), and small squares. */
const EMBEDDED_ROWS = 32 * 17;
const SMALL_MATMULS: readonly MatmulShape[] = [
  { name: 'fc1 544×128·128×512', m: EMBEDDED_ROWS, k: 128, n: 512, transB: true },
  { name: 'fc2 544×512·512×128', m: EMBEDDED_ROWS, k: 512, n: 128, transB: true },
  { name: 'fc1 dX 544×512·512×128', m: EMBEDDED_ROWS, k: 512, n: 128, transB: false },
  { name: 'square 256', m: 256, k: 256, n: 256, transB: true },
  { name: 'square 512', m: 512, k: 512, n: 512, transB: true },
];

/** A residual block's dimensions and the batches it is timed at. */
interface BlockShape {
  name: string;
  width: number;
  heads: number;
  mlp: number;
  tokens: number;
  batches: readonly number[];
}

const VIT_B16_BLOCK: BlockShape = {
  name: 'ViT-B/16 block (768, 12 heads, 197 tokens)',
  width: 768,
  heads: 12,
  mlp: 3072,
  tokens: 197,
  batches: [1, 8],
};

const EMBEDDED_BLOCK: BlockShape = {
  name: 'embedded vision block (128, 4 heads, 17 tokens)',
  width: 128,
  heads: 4,
  mlp: 512,
  tokens: 17,
  batches: [8, 32],
};

/** `--shapes vit` (default): ViT-B/16, minutes on SwiftShader; `--shapes small`: the embedded model's. */
const SHAPE_SETS = {
  vit: { matmuls: VIT_B16_MATMULS, block: VIT_B16_BLOCK },
  small: { matmuls: SMALL_MATMULS, block: EMBEDDED_BLOCK },
} as const;

export interface MatmulBench {
  name: string;
  m: number;
  k: number;
  n: number;
  milliseconds: number;
  gflops: number;
}

/** Untimed calls last at least this long: V8 runs wasm on its baseline tier until the function is hot. */
const WARMUP_MS = 300;

/**
 * Wall time of `fn` per repetition, after untimed runs (at least one, for WARMUP_MS) that compile pipelines
 * and kernels and fill the pool.
 */
export async function timeIt(backend: Backend, repetitions: number, fn: () => void): Promise<number> {
  const sync = async () => {
    if (backend.kind === 'webgpu') await backend.sync();
  };
  const warming = performance.now();
  do {
    fn();
    await sync();
  } while (performance.now() - warming < WARMUP_MS);
  const started = performance.now();
  for (let i = 0; i < repetitions; i++) fn();
  await sync();
  return (performance.now() - started) / repetitions;
}

async function benchMatmul(
  backend: Backend,
  repetitions: number,
  shapes: readonly MatmulShape[],
  variant: MatmulVariant | undefined,
): Promise<MatmulBench[]> {
  const random = new Random(3);
  const results: MatmulBench[] = [];
  for (const { name, m, k, n, transB } of shapes) {
    const a = backend.tensor([m, k], random.normals(m * k));
    const w = backend.tensor(transB ? [n, k] : [k, n], random.normals(n * k));
    const spec = matmulSpec({ m, n, k, transB });
    const milliseconds = await timeIt(backend, repetitions, () => {
      matmulRaw(backend, { a, b: w, spec, outShape: [m, n], variant }).free();
    });
    results.push({ name, m, k, n, milliseconds, gflops: (2 * m * n * k) / (milliseconds * 1e6) });
    a.free();
    w.free();
  }
  return results;
}

export interface BlockBench {
  batch: number;
  checkpointed: boolean;
  forwardMs: number;
  forwardBackwardMs: number;
  ratio: number;
  /** Pool bytes above the weights and input at the peak of forward + backward. */
  peakBytes: number;
}

/**
 * One frozen CLIP block, input gradient only (what prompt tuning needs): forward alone, then forward +
 * backward, with and without recomputing the block's forward in backward.
 */
async function benchBlock(backend: Backend, repetitions: number, block: BlockShape): Promise<BlockBench[]> {
  const random = new Random(4);
  const { weights, tensors } = randomBlockWeights(backend, random, block.width, block.mlp);
  const results: BlockBench[] = [];
  for (const batch of block.batches) {
    const x = backend.tensor(
      [batch, block.tokens, block.width],
      random.normals(batch * block.tokens * block.width),
      { requiresGrad: true },
    );
    for (const checkpointed of [false, true]) {
      const options = {
        heads: block.heads,
        causal: false,
        activation: 'quick_gelu',
        eps: 1e-5,
        checkpoint: checkpointed,
      } as const;
      const forwardMs = await timeIt(backend, repetitions, () => {
        const tape = new Tape(backend, false);
        residualAttentionBlock(tape, x, weights, options);
        tape.dispose();
      });
      const resident = backend.memory().inUse;
      backend.resetPeak();
      const forwardBackwardMs = await timeIt(backend, repetitions, () => {
        const tape = new Tape(backend);
        const y = residualAttentionBlock(tape, x, weights, options);
        for (const g of tape.backward(y).values()) g.free();
        tape.dispose();
      });
      const peakBytes = backend.memory().peak - resident;
      results.push({
        batch,
        checkpointed,
        forwardMs,
        forwardBackwardMs,
        ratio: forwardBackwardMs / forwardMs,
        peakBytes,
      });
    }
    x.free();
  }
  for (const t of tensors) t.free();
  return results;
}

const isMatmulVariant = (value: string | true): value is MatmulVariant =>
  MATMUL_VARIANTS.some((variant) => variant === value);

export interface PeerBench {
  name: string;
  ours: number;
  javascript: number;
  onnxruntimeWasm: number;
  torch: number | null;
}

/**
 * The same matmuls on our JavaScript backend, onnxruntime-web's wasm and PyTorch CPU, all one thread, in
 * GFLOP/s beside ours: what the WebAssembly backend is measured against.
 */
async function benchPeers(
  ours: readonly MatmulBench[],
  shapes: readonly MatmulShape[],
  repetitions: number,
): Promise<{ peers: PeerBench[]; torchVersion: string | null }> {
  const javascript = await benchMatmul(new CpuBackend(), 1, shapes, undefined);
  const torch = torchGflops(shapes, repetitions + 2);
  const peers: PeerBench[] = [];
  for (const [i, shape] of shapes.entries()) {
    peers.push({
      name: shape.name,
      ours: ours[i]?.gflops ?? Number.NaN,
      javascript: javascript[i]?.gflops ?? Number.NaN,
      onnxruntimeWasm: await onnxruntimeWasmGflops(shape, repetitions + 2),
      torch: torch?.gflops[i] ?? null,
    });
  }
  return { peers, torchVersion: torch?.version ?? null };
}

const ratio = (ours: number, peer: number | null) => (peer ? `${(ours / peer).toFixed(2)}×` : '-');

export async function benchKernels(args: ParsedArgs): Promise<number> {
  const backend = await openCommandBackend(args);
  const repetitions = args.options.has('quick') ? 1 : 3;
  const shapeSet = args.options.get('shapes') ?? 'vit';
  if (shapeSet !== 'vit' && shapeSet !== 'small') throw new UsageError('--shapes must be vit or small');
  const shapes = SHAPE_SETS[shapeSet];
  const variant = args.options.get('variant');
  if (variant !== undefined && !isMatmulVariant(variant)) {
    throw new UsageError(`--variant must be one of ${MATMUL_VARIANTS.join(', ')}`);
  }
  const matmul = await benchMatmul(backend, repetitions, shapes.matmuls, variant);
  // The peers only beside the WebAssembly backend, whose job is to beat them; --quick skips them.
  const compared =
    backend.kind === 'wasm' && !args.options.has('quick')
      ? await benchPeers(matmul, shapes.matmuls, repetitions)
      : null;
  const block = await benchBlock(backend, repetitions, shapes.block);
  const result = {
    backend: backend.name,
    repetitions,
    shapes: shapeSet,
    variant,
    matmul,
    peers: compared?.peers ?? null,
    torchVersion: compared?.torchVersion ?? null,
    block,
    loadAverage: loadavg()[0] as number,
  };
  emit(args.options.has('json'), result, () =>
    [
      `backend: ${backend.name} (${repetitions} timed repetitions after one warm-up); ` +
        `load average ${result.loadAverage.toFixed(1)} at the end`,
      `matmul kernel: ${variant ?? "the adapter's"}`,
      table(
        ['matmul', 'ms', 'GFLOP/s'],
        matmul.map((r) => [r.name, r.milliseconds.toFixed(1), r.gflops.toFixed(2)]),
      ),
      ...(compared
        ? [
            '',
            `GFLOP/s, one thread: ours (wasm), our JavaScript backend, onnxruntime-web wasm, ` +
              `PyTorch ${compared.torchVersion ?? '(not installed)'} CPU; ratios are ours over each`,
            table(
              ['matmul', 'wasm', 'JS', 'ort-web', 'torch', '÷ JS', '÷ ort-web', '÷ torch'],
              compared.peers.map((p) => [
                p.name,
                p.ours.toFixed(1),
                p.javascript.toFixed(2),
                p.onnxruntimeWasm.toFixed(1),
                p.torch === null ? '-' : p.torch.toFixed(1),
                ratio(p.ours, p.javascript),
                ratio(p.ours, p.onnxruntimeWasm),
                ratio(p.ours, p.torch),
              ]),
            ),
          ]
        : []),
      '',
      table(
        [shapes.block.name, 'forward ms', 'fwd+bwd ms', 'ratio', 'peak'],
        block.map((r) => [
          `batch ${r.batch}${r.checkpointed ? ', checkpointed' : ''}`,
          r.forwardMs.toFixed(0),
          r.forwardBackwardMs.toFixed(0),
          r.ratio.toFixed(2),
          formatBytes(r.peakBytes),
        ]),
      ),
    ].join('\n'),
  );
  return 0;
}
