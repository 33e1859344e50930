import type { Backend } from './backend';

export type Shape = readonly number[];

/** Host numbers an op's CPU reference reads and writes: float32, or float64 in the finite-difference checks. */
export type Floats = Float32Array | Float64Array;

/** Only float32 runs today; the field is there so f16 storage can be added without changing call sites. */
export type DType = 'float32';

/**
 * Where a tensor's numbers live: host memory for the CPU backend (float64 only in the reference checks),
 * a pooled GPUBuffer for WebGPU.
 */
export type Storage = Float32Array | Float64Array | GPUBuffer;

let nextTensorId = 1;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(t: Tensor, expected: Shape, what: string): void {
  if (!sameShape(t.shape, expected)) {
    throw new Error(`${what}: expected shape ${shapeString(expected)}, got ${shapeString(t.shape)}`);
  }
}

/**
 * A dense row-major tensor. It is also the autodiff unit: `requiresGrad` marks learnable leaves and,
 * on a recording tape, every value computed from one.
 */
export class Tensor {
  readonly id = nextTensorId++;
  readonly size: number;
  readonly dtype: DType = 'float32';
  requiresGrad: boolean;
  /** Set when the storage has been handed back; any later use is a bug we want to hear about. */
  freed = false;
  /** An alias shares another tensor's storage and never frees it. */
  readonly isAlias: boolean;

  constructor(
    readonly backend: Backend,
    readonly shape: Shape,
    readonly storage: Storage,
    options: { requiresGrad?: boolean; isAlias?: boolean; name?: string } = {},
  ) {
    this.size = sizeOf(shape);
    this.requiresGrad = options.requiresGrad ?? false;
    this.isAlias = options.isAlias ?? false;
    this.name = options.name;
  }

  name: string | undefined;

  /** The same numbers under a new identity: used to cut a graph (checkpointing) without copying. */
  alias(requiresGrad = this.requiresGrad): Tensor {
    return new Tensor(this.backend, this.shape, this.storage, {
      requiresGrad,
      isAlias: true,
      name: this.name,
    });
  }

  read(): Promise<Float32Array> {
    return this.backend.read(this);
  }

  free(): void {
    if (this.isAlias || this.freed) return;
    this.freed = true;
    this.backend.release(this);
  }
}
