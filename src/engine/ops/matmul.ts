import { type Backend, type Kernel, runKernel } from '../backend';
import type { GpuBackend } from '../gpu/gpu-backend';
import { bool, f32, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, type Shape, shapeString, type Tensor } from '../tensor';
import source from './matmul.wgsl?raw';
import { matmulCpu } from './matmul-cpu';
import registersSource from './matmul-registers.wgsl?raw';
import { sumRows } from './reduce';

/** C[z] = alpha · op(A[z]) · op(B[z]) (+ bias) (+ C[z]); see matmul.wgsl for the layout. */
export interface MatmulSpec {
  m: number;
  n: number;
  k: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  /** Elements between consecutive batches of A (B); 0 shares one matrix across the batch. */
  batchStrideA: number;
  batchStrideB: number;
  alpha: number;
}

export function matmulSpec(partial: Partial<MatmulSpec> & Pick<MatmulSpec, 'm' | 'n' | 'k'>): MatmulSpec {
  const batch = partial.batch ?? 1;
  return {
    batch,
    transA: false,
    transB: false,
    batchStrideA: partial.m * partial.k,
    batchStrideB: partial.k * partial.n,
    alpha: 1,
    ...partial,
  };
}

// ---- CPU reference ----

export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  spec: MatmulSpec,
  out: Floats,
  options: { bias?: ArrayLike<number>; accumulate?: boolean } = {},
): void {
  const { m, n, k, batch, transA, transB, batchStrideA, batchStrideB, alpha } = spec;
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = a[z * batchStrideA + (transA ? p * m + i : i * k + p)] as number;
          const bv = b[z * batchStrideB + (transB ? j * k + p : p * n + j)] as number;
          sum += av * bv;
        }
        const index = z * m * n + i * n + j;
        let v = alpha * sum;
        if (options.bias) v += options.bias[j] as number;
        if (options.accumulate) v += out[index] as number;
        out[index] = v;
      }
    }
  }
}

// ---- kernels ----

/**
 * Two kernels compute the same C (llm.c's habit: the simple one stays as the spec). matmul.wgsl tiles
 * through workgroup memory, which is what a GPU wants. The fallback adapter runs on the CPU (SwiftShader),
 * where barriers and workgroup memory cost far more than the arithmetic: there matmul-registers.wgsl, with
 * neither, is 10–30× faster (`prompt-studio bench kernels --shapes small --variant tiled|registers`).
 */
const tiledKernel = { label: 'matmul', source, entryPoint: 'main' };
const registersKernel = { label: 'matmul-registers', source: registersSource, entryPoint: 'main' };

export const MATMUL_VARIANTS = ['tiled', 'registers'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** The kernel `matmulRaw` runs on this adapter unless told otherwise. */
function defaultMatmulVariant(be: GpuBackend): MatmulVariant {
  return be.adapter.isFallbackAdapter ? 'registers' : 'tiled';
}

/**
 * Small problems get 32×32 tiles so a handful of rows still fills several workgroups. Both tilings use at
 * most 256 threads and 8 KiB of workgroup memory, within what WebGPU guarantees every adapter (256 and
 * 16 KiB), so no adapter limit rules one out.
 */
function tiling(spec: MatmulSpec) {
  const small = spec.m <= 32 || spec.n <= 32;
  return small ? { BM: 32, BN: 32, BK: 16, TM: 4, TN: 4 } : { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };
}

/** Each thread of matmul-registers.wgsl computes an 8×8 block of C. */
const REGISTER_BLOCK = 8;

/**
 * Threads per workgroup of matmul-registers.wgsl along N and M: up to 8×8 (a 64×64 block of C), fewer where
 * the matrix has fewer blocks (CLIP's 17×17 attention scores need 3×3), so few threads sit idle; halved
 * again while the dispatch has fewer than 16 workgroups to share among the CPU's threads.
 */
function registerThreads(spec: MatmulSpec): { x: number; y: number } {
  const side = (size: number) =>
    2 ** Math.min(3, Math.floor(Math.log2(Math.max(1, Math.ceil(size / REGISTER_BLOCK)))));
  let [x, y] = [side(spec.n), side(spec.m)];
  const workgroups = () =>
    Math.ceil(spec.n / (x * REGISTER_BLOCK)) * Math.ceil(spec.m / (y * REGISTER_BLOCK)) * spec.batch;
  while (workgroups() < 16 && x * y > 1) {
    if (x >= y) x /= 2;
    else y /= 2;
  }
  return { x, y };
}

export interface MatmulArgs {
  a: Tensor;
  b: Tensor;
  spec: MatmulSpec;
  outShape: Shape;
  bias?: Tensor | undefined;
  /** Adds into this tensor instead of allocating the output. */
  into?: Tensor | undefined;
  /** The GPU kernel to run; by default the adapter's (tests and benchmarks name each). */
  variant?: MatmulVariant | undefined;
}

function checkSizes({ a, b, spec, outShape, into }: MatmulArgs): void {
  const lastA = (spec.batch - 1) * spec.batchStrideA + spec.m * spec.k;
  const lastB = (spec.batch - 1) * spec.batchStrideB + spec.k * spec.n;
  const outSize = spec.batch * spec.m * spec.n;
  if (a.size < lastA || b.size < lastB) {
    throw new Error(
      `matmul: operands ${shapeString(a.shape)}, ${shapeString(b.shape)} too small for ${JSON.stringify(spec)}`,
    );
  }
  if (outShape.reduce((x, y) => x * y, 1) !== outSize || (into && into.size !== outSize)) {
    throw new Error(
      `matmul: output ${shapeString(outShape)} does not hold ${spec.batch}×${spec.m}×${spec.n}`,
    );
  }
}

export const matmulKernel: Kernel<MatmulArgs, Tensor> = {
  cpu(be, args) {
    checkSizes(args);
    const out = args.into ?? be.empty(args.outShape);
    matmulCpu(be.data(args.a), be.data(args.b), args.spec, be.data(out), {
      bias: args.bias ? be.data(args.bias) : undefined,
      accumulate: args.into !== undefined,
    });
    return out;
  },
  gpu(be, args) {
    checkSizes(args);
    const { a, b, spec, bias, into } = args;
    const out = into ?? be.empty(args.outShape);
    const contiguousA = spec.transA ? spec.m : spec.k;
    const contiguousB = spec.transB ? spec.k : spec.n;
    const problem = {
      M: u32(spec.m),
      N: u32(spec.n),
      K: u32(spec.k),
      BATCH_A: u32(spec.batchStrideA),
      BATCH_B: u32(spec.batchStrideB),
      ALPHA: f32(spec.alpha),
      TRANS_A: bool(spec.transA),
      TRANS_B: bool(spec.transB),
      HAS_BIAS: bool(bias !== undefined),
      ACCUMULATE: bool(into !== undefined),
      VEC_A: bool(contiguousA % 4 === 0 && spec.batchStrideA % 4 === 0),
      VEC_B: bool(contiguousB % 4 === 0 && spec.batchStrideB % 4 === 0),
    };
    const bindings = [a, a, b, b, bias ?? a, out];
    if ((args.variant ?? defaultMatmulVariant(be)) === 'registers') {
      const threads = registerThreads(spec);
      const [width, height] = [threads.x * REGISTER_BLOCK, threads.y * REGISTER_BLOCK];
      be.dispatch(registersKernel, { ...problem, WG_X: u32(threads.x), WG_Y: u32(threads.y) }, bindings, [
        Math.ceil(spec.n / width),
        Math.ceil(spec.m / height),
        spec.batch,
      ]);
    } else {
      const tile = tiling(spec);
      const tileConstants = {
        BM: u32(tile.BM),
        BN: u32(tile.BN),
        BK: u32(tile.BK),
        TM: u32(tile.TM),
        TN: u32(tile.TN),
      };
      be.dispatch(tiledKernel, { ...problem, ...tileConstants }, bindings, [
        Math.ceil(spec.n / tile.BN),
        Math.ceil(spec.m / tile.BM),
        spec.batch,
      ]);
    }
    return out;
  },
  // kernels/matmul.c: packed panels and a register-blocked f32x4 microkernel.
  wasm(be, args) {
    checkSizes(args);
    const { a, b, spec, bias, into } = args;
    const out = into ?? be.empty(args.outShape);
    be.kernels.exports.matmul(
      be.pointer(a),
      be.pointer(b),
      be.pointer(out),
      bias ? be.pointer(bias) : 0,
      spec.m,
      spec.n,
      spec.k,
      spec.batch,
      spec.transA ? 1 : 0,
      spec.transB ? 1 : 0,
      spec.batchStrideA,
      spec.batchStrideB,
      spec.alpha,
      into ? 1 : 0,
    );
    return out;
  },
};

export function matmulRaw(backend: Backend, args: MatmulArgs): Tensor {
  return runKernel(matmulKernel, backend, args);
}

// ---- differentiable ops ----

/**
 * Batched matmul without broadcasting: a is [Z, M, K] (or [Z, K, M] with transA), b is [Z, K, N]
 * (or [Z, N, K] with transB); 2-D operands are one batch. Returns [Z, M, N] (or [M, N]).
 */
export function matmul(
  tape: Tape,
  a: Tensor,
  b: Tensor,
  options: { transA?: boolean; transB?: boolean; alpha?: number } = {},
): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const alpha = options.alpha ?? 1;
  const batched = a.shape.length === 3;
  const [z, ra, ca] = batched ? (a.shape as [number, number, number]) : [1, ...(a.shape as [number, number])];
  const [zb, rb, cb] =
    b.shape.length === 3 ? (b.shape as [number, number, number]) : [1, ...(b.shape as [number, number])];
  const [m, k] = transA ? [ca, ra] : [ra, ca];
  const [kb, n] = transB ? [cb, rb] : [rb, cb];
  if (k !== kb || z !== zb) {
    throw new Error(
      `matmul: cannot multiply ${shapeString(a.shape)} by ${shapeString(b.shape)} (transA=${transA}, transB=${transB})`,
    );
  }
  const be = tape.backend;
  const outShape = batched ? [z, m, n] : [m, n];
  const spec = matmulSpec({ m, n, k, batch: z, transA, transB, alpha });
  const c = tape.track(matmulRaw(be, { a, b, spec, outShape }));
  return tape.record(
    c,
    [a, b],
    (dc, [needA, needB]) => {
      // With A' = op(A), B' = op(B): dA' = dC·B'ᵀ and dB' = A'ᵀ·dC, written back in A's and B's storage order.
      const da = needA
        ? transA
          ? matmulRaw(be, {
              a: b,
              b: dc,
              spec: matmulSpec({ m: k, n: m, k: n, batch: z, transA: transB, transB: true, alpha }),
              outShape: a.shape,
            })
          : matmulRaw(be, {
              a: dc,
              b,
              spec: matmulSpec({ m, n: k, k: n, batch: z, transA: false, transB: !transB, alpha }),
              outShape: a.shape,
            })
        : null;
      const db = needB
        ? transB
          ? matmulRaw(be, {
              a: dc,
              b: a,
              spec: matmulSpec({ m: n, n: k, k: m, batch: z, transA: true, transB: transA, alpha }),
              outShape: b.shape,
            })
          : matmulRaw(be, {
              a,
              b: dc,
              spec: matmulSpec({ m: k, n, k: m, batch: z, transA: !transA, transB: false, alpha }),
              outShape: b.shape,
            })
        : null;
      return [da, db];
    },
    { saved: [a, b] },
  );
}

/**
 * y = x·Wᵀ + b, the layout of torch.nn.Linear. x is [..., in], W is [out, in], b is [out]; y is [..., out].
 * dX is always available; dW and db are computed only when the weights are trainable.
 */
export function linear(tape: Tape, x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [out, inFeatures] = w.shape as [number, number];
  const last = x.shape[x.shape.length - 1];
  if (last !== inFeatures || (b && b.size !== out)) {
    throw new Error(
      `linear: x ${shapeString(x.shape)}, W ${shapeString(w.shape)}, b ${b ? shapeString(b.shape) : '-'} do not fit`,
    );
  }
  const rows = x.size / inFeatures;
  const be = tape.backend;
  const outShape = [...x.shape.slice(0, -1), out];
  const y = tape.track(
    matmulRaw(be, {
      a: x,
      b: w,
      spec: matmulSpec({ m: rows, n: out, k: inFeatures, transB: true }),
      outShape,
      bias: b,
    }),
  );
  return tape.record(
    y,
    [x, w, b],
    (dy, [needX, needW, needB]) => [
      needX
        ? matmulRaw(be, {
            a: dy,
            b: w,
            spec: matmulSpec({ m: rows, n: inFeatures, k: out }),
            outShape: x.shape,
          })
        : null,
      needW
        ? matmulRaw(be, {
            a: dy,
            b: x,
            spec: matmulSpec({ m: out, n: inFeatures, k: rows, transA: true }),
            outShape: w.shape,
          })
        : null,
      needB ? sumRows(be, dy, rows, out) : null,
    ],
    { saved: [x, w] },
  );
}
