/**
 * The matmul peers `bench kernels --backend wasm` measures ours against, on the same shapes and one thread:
 * onnxruntime-web's wasm MatMul (the studio's dependency, SIMD build) and PyTorch CPU (`/usr/bin/python3`
 * with torch, `torch.set_num_threads(1)`), each timed as the median of a few runs after a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Random } from '../engine/random';

export interface PeerShape {
  name: string;
  m: number;
  k: number;
  n: number;
  /** B stored [N, K] (nn.Linear's weight), as our benchmark multiplies it. */
  transB: boolean;
}

type Bytes = number[];

function varint(value: number): Bytes {
  const out: Bytes = [];
  let v = value;
  do {
    const byte = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? byte | 0x80 : byte);
  } while (v > 0);
  return out;
}

const field = (number: number, payload: Bytes) => [
  ...varint(number * 8 + 2),
  ...varint(payload.length),
  ...payload,
];
const intField = (number: number, value: number) => [...varint(number * 8), ...varint(value)];
const text = (number: number, s: string) => field(number, [...new TextEncoder().encode(s)]);

/** ValueInfoProto: a float tensor of fixed dims. */
function floatTensor(name: string, dims: number[]): Bytes {
  const shape = dims.flatMap((d) => field(1, intField(1, d)));
  const tensorType = [...intField(1, 1), ...field(2, shape)];
  return [...text(1, name), ...field(2, field(1, tensorType))];
}

/**
 * A one-node ONNX model, Y = A·op(B) as Gemm (transB) or MatMul, with both operands as inputs so nothing
 * is folded away: what onnxruntime runs for an nn.Linear without bias.
 */
export function matmulModel({ m, k, n, transB }: PeerShape): Uint8Array {
  const node = [
    ...text(1, 'A'),
    ...text(1, 'B'),
    ...text(2, 'Y'),
    ...text(4, transB ? 'Gemm' : 'MatMul'),
    // AttributeProto transB = 1 (type INT = 2).
    ...(transB ? field(5, [...text(1, 'transB'), ...intField(3, 1), ...intField(20, 2)]) : []),
  ];
  const graph = [
    ...field(1, node),
    ...text(2, 'matmul'),
    ...field(11, floatTensor('A', [m, k])),
    ...field(11, floatTensor('B', transB ? [n, k] : [k, n])),
    ...field(12, floatTensor('Y', [m, n])),
  ];
  const model = [...intField(1, 8), ...field(8, intField(2, 17)), ...field(7, graph)];
  return Uint8Array.from(model);
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** onnxruntime-web's wasm GFLOP/s on `shape`, one thread. */
export async function onnxruntimeWasmGflops(shape: PeerShape, runs: number): Promise<number> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(matmulModel(shape), { executionProviders: ['wasm'] });
  const random = new Random(3);
  const { m, k, n, transB } = shape;
  const feeds = {
    A: new ort.Tensor('float32', Float32Array.from(random.normals(m * k)), [m, k]),
    B: new ort.Tensor('float32', Float32Array.from(random.normals(k * n)), transB ? [n, k] : [k, n]),
  };
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const { Y } = await session.run(feeds);
    if (i > 0) times.push(performance.now() - started);
    Y?.dispose();
  }
  await session.release();
  return (2 * m * n * k) / (median(times) * 1e6);
}

export const PYTHON = '/usr/bin/python3';

const TORCH_SCRIPT = `
import json, sys, time, torch
torch.set_num_threads(1)
out = []
for s in json.loads(sys.argv[1]):
    a = torch.randn(s["m"], s["k"])
    b = torch.randn(s["n"], s["k"]) if s["transB"] else torch.randn(s["k"], s["n"])
    f = (lambda: a @ b.T) if s["transB"] else (lambda: a @ b)
    f()
    times = []
    for _ in range(s["runs"]):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    times.sort()
    out.append(2 * s["m"] * s["n"] * s["k"] / times[len(times) // 2] / 1e9)
print(json.dumps({"version": torch.__version__, "gflops": out}))
`;

/** PyTorch CPU's GFLOP/s on each shape with one thread, or null where python3 or torch is missing. */
export function torchGflops(
  shapes: readonly PeerShape[],
  runs: number,
): { version: string; gflops: number[] } | null {
  if (!existsSync(PYTHON)) return null;
  const argument = JSON.stringify(shapes.map((s) => ({ ...s, runs })));
  const result = spawnSync(PYTHON, ['-c', TORCH_SCRIPT, argument], { encoding: 'utf8' });
  if (result.status !== 0) return null;
  return JSON.parse(result.stdout) as { version: string; gflops: number[] };
}
