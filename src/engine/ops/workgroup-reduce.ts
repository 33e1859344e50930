import type { GpuBackend } from '../gpu/gpu-backend';
import source from './workgroup-reduce.wgsl?raw';

/**
 * workgroup_sum and workgroup_max (workgroup-reduce.wgsl), for kernels that reduce each row in one
 * workgroup. WGSL has no imports, so such a kernel's module compiles `reduceSnippet + source` and passes
 * the WG constant from `threadsPerRow`.
 */
export const reduceSnippet = `${source}\n`;

/**
 * Threads for one row of `cols` values. On a GPU: the row length rounded up to a power of two, 32 to 256,
 * so short rows leave few threads idle. On an adapter that runs on a CPU (SwiftShader), a workgroup's
 * SIMD groups are fibers that switch at every barrier of the reduction, which costs far more than the
 * arithmetic: there a row gets one SIMD group of 4 threads that each loop over more of it (layer norm and
 * softmax forward + backward run 8–100× faster on SwiftShader than with 256 threads).
 */
export function threadsPerRow(be: GpuBackend, cols: number): number {
  if (be.adapter.isFallbackAdapter) return 4;
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, cols)))));
}
