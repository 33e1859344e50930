/**
 * The engine's WebAssembly kernels (kernels/*.c, built by scripts/build-wasm.mjs) over one linear memory
 * that the tensors live in. Four builds ship: plain 128-bit SIMD or relaxed SIMD (whose multiply-adds are
 * fused), each importing a shared memory or a plain one. Relaxed SIMD is used where the runtime validates
 * a relaxed-SIMD instruction (Chrome; Node 20 only behind a flag); shared memory wherever the runtime lets
 * one be created (Node; a cross-origin-isolated page), because only a shared memory can grow without
 * detaching the views tensors hold. A plain memory is reserved at full size once instead.
 */

/** f32x4.relaxed_madd on three zero vectors: a module that validates only where relaxed SIMD is on. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 133, 2, 11,
]);

export type WasmSimd = 'relaxed' | 'simd';

export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** What the C side exports; pointers are byte offsets into the memory, 0 meaning none. */
export interface KernelExports {
  __heap_base: WebAssembly.Global;
  matmul(
    a: number,
    b: number,
    c: number,
    bias: number,
    m: number,
    n: number,
    k: number,
    batch: number,
    transA: number,
    transB: number,
    strideA: number,
    strideB: number,
    alpha: number,
    accumulate: number,
  ): void;
}

export interface WasmKernels {
  simd: WasmSimd;
  /** Whether the memory is shared, hence growable (up to 4 GiB) and usable by threads. */
  shared: boolean;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  /** First byte past the kernels' own data and stack: where tensors may start. */
  heapBase: number;
}

export const WASM_PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB. */
export const WASM_MAX_PAGES = 65536;

/** Literal `new URL(…, import.meta.url)` calls, which Vite bundles as assets and Node reads as files. */
function moduleUrl(simd: WasmSimd, shared: boolean): URL {
  if (simd === 'relaxed') {
    return shared
      ? new URL('./kernels/engine-relaxed-shared.wasm', import.meta.url)
      : new URL('./kernels/engine-relaxed-plain.wasm', import.meta.url);
  }
  return shared
    ? new URL('./kernels/engine-simd-shared.wasm', import.meta.url)
    : new URL('./kernels/engine-simd-plain.wasm', import.meta.url);
}

async function moduleBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const file = fs.readFileSync(url);
    return file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`wasm kernels: ${url.href} answered ${response.status}`);
  return response.arrayBuffer();
}

/** A shared memory of `initialPages`, or null where the runtime refuses shared memory. */
function sharedMemory(initialPages: number): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  try {
    return new WebAssembly.Memory({ initial: initialPages, maximum: WASM_MAX_PAGES, shared: true });
  } catch {
    return null;
  }
}

/**
 * Instantiates the kernels. A shared memory starts small and grows; a plain one is allocated once at
 * `plainMemoryBytes`, since growing it would detach every tensor's view (the OS commits pages only when
 * touched, so the reservation costs address space, not memory).
 */
export async function loadWasmKernels(
  options: { simd?: WasmSimd; shared?: boolean; plainMemoryBytes?: number } = {},
): Promise<WasmKernels> {
  const simd = options.simd ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
  const initialPages = 512;
  const shared = options.shared === false ? null : sharedMemory(initialPages);
  if (options.shared === true && !shared)
    throw new Error('wasm kernels: shared memory is not available here');
  const plainPages = Math.ceil((options.plainMemoryBytes ?? 2 ** 30) / WASM_PAGE_BYTES);
  const memory = shared ?? new WebAssembly.Memory({ initial: plainPages, maximum: plainPages });
  const bytes = await moduleBytes(moduleUrl(simd, shared !== null));
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  return { simd, shared: shared !== null, memory, exports, heapBase: exports.__heap_base.value as number };
}
