import type { Backend } from '../../engine/backend';
import { Random } from '../../engine/check/random';
import { randomBlockWeights } from '../../engine/nn/random-block-weights';
import { residualAttentionBlock } from '../../engine/nn/residual-attention-block';
import { matmulRaw, matmulSpec } from '../../engine/ops/matmul';
import { Tape } from '../../engine/tape';
import type { ParsedArgs } from '../args';
import { openBackend } from '../engine-backend';
import { emit, formatBytes, table } from '../output';

/** ViT-B/16 at batch 32: 197 tokens per image, width 768, MLP 3072 (QKV fused as in the list). */
const VIT_B16_ROWS = 32 * 197;
const MATMUL_SHAPES: readonly { name: string; m: number; k: number; n: number }[] = [
  { name: 'qkv 6304×768·768×2304', m: VIT_B16_ROWS, k: 768, n: 2304 },
  { name: 'out-proj 6304×768·768×768', m: VIT_B16_ROWS, k: 768, n: 768 },
  { name: 'fc1 6304×768·768×3072', m: VIT_B16_ROWS, k: 768, n: 3072 },
  { name: 'fc2 6304×3072·3072×768', m: VIT_B16_ROWS, k: 3072, n: 768 },
  { name: 'square 1024', m: 1024, k: 1024, n: 1024 },
];

export interface MatmulBench {
  name: string;
  m: number;
  k: number;
  n: number;
  milliseconds: number;
  gflops: number;
}

/** Wall time of `fn` per repetition, after one untimed run that compiles pipelines and fills the pool. */
export async function timeIt(backend: Backend, repetitions: number, fn: () => void): Promise<number> {
  const sync = async () => {
    if (backend.kind === 'webgpu') await backend.sync();
  };
  fn();
  await sync();
  const started = performance.now();
  for (let i = 0; i < repetitions; i++) fn();
  await sync();
  return (performance.now() - started) / repetitions;
}

async function benchMatmul(backend: Backend, repetitions: number): Promise<MatmulBench[]> {
  const random = new Random(3);
  const results: MatmulBench[] = [];
  for (const { name, m, k, n } of MATMUL_SHAPES) {
    const a = backend.tensor([m, k], random.normals(m * k));
    // Weights are stored [out, in] like nn.Linear, so the benchmark multiplies by Wᵀ as the model does.
    const w = backend.tensor([n, k], random.normals(n * k));
    const spec = matmulSpec({ m, n, k, transB: true });
    const milliseconds = await timeIt(backend, repetitions, () => {
      matmulRaw(backend, { a, b: w, spec, outShape: [m, n] }).free();
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

/** ViT-B/16's block: width 768, 12 heads, MLP 3072, 197 tokens. */
const BLOCK = { width: 768, heads: 12, mlp: 3072, tokens: 197 };

/**
 * One frozen CLIP block, input gradient only (what prompt tuning needs): forward alone, then forward +
 * backward, with and without recomputing the block's forward in backward.
 */
async function benchBlock(
  backend: Backend,
  repetitions: number,
  batches: readonly number[],
): Promise<BlockBench[]> {
  const random = new Random(4);
  const { weights, tensors } = randomBlockWeights(backend, random, BLOCK.width, BLOCK.mlp);
  const results: BlockBench[] = [];
  for (const batch of batches) {
    const x = backend.tensor(
      [batch, BLOCK.tokens, BLOCK.width],
      random.normals(batch * BLOCK.tokens * BLOCK.width),
      {
        requiresGrad: true,
      },
    );
    for (const checkpointed of [false, true]) {
      const options = {
        heads: BLOCK.heads,
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

export async function benchKernels(args: ParsedArgs): Promise<number> {
  const backend = await openBackend(args);
  const repetitions = args.options.has('quick') ? 1 : 3;
  const matmul = await benchMatmul(backend, repetitions);
  const block = await benchBlock(backend, repetitions, [1, 8]);
  const result = { backend: backend.name, repetitions, matmul, block };
  emit(args.options.has('json'), result, () =>
    [
      `backend: ${backend.name} (${repetitions} timed repetitions after one warm-up)`,
      table(
        ['matmul', 'ms', 'GFLOP/s'],
        matmul.map((r) => [r.name, r.milliseconds.toFixed(1), r.gflops.toFixed(2)]),
      ),
      '',
      table(
        ['ViT-B/16 block (768, 12 heads, 197 tokens)', 'forward ms', 'fwd+bwd ms', 'ratio', 'peak'],
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
