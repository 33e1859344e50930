import { describe, expect, it } from 'vitest';
import { scaledError } from '../check/op-check';
import { u32 } from '../gpu/pipeline-cache';
import { Random } from '../random';
import { testGpuBackend } from '../testing/backends';
import { reduceSnippet } from './workgroup-reduce';

/** Each row's sum and max, one workgroup per row, as the row kernels use the snippet. */
const rowSumAndMax = {
  label: 'workgroup-reduce-test',
  entryPoint: 'main',
  source: `${reduceSnippet}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) tid: u32) {
  let base = wid.x * C;
  var s = 0.0;
  var m = -3.40282346e38;
  for (var c = tid; c < C; c += WG) {
    s += x[base + c];
    m = max(m, x[base + c]);
  }
  let total = workgroup_sum(s, tid);
  let top = workgroup_max(m, tid);
  if (tid == 0u) {
    out[2u * wid.x] = total;
    out[2u * wid.x + 1u] = top;
  }
}`,
};

/**
 * The row kernels' tests on this machine's CPU adapter reach only its 4-thread rows; the GPU sizes (32 to
 * 256 threads, rows shorter and longer than the workgroup) are checked here.
 */
describe.each([4, 32, 256])('workgroup reductions with %i threads', (threads) => {
  it.each([1, 5, 37, 700])('sum and max of rows of %i', async (cols) => {
    const gpu = await testGpuBackend();
    const rows = 3;
    const values = new Random(cols).normals(rows * cols);
    const expected = Array.from({ length: rows }, (_, r) => {
      const row = values.subarray(r * cols, (r + 1) * cols);
      return [row.reduce((s, v) => s + v, 0), Math.max(...row)];
    }).flat();
    const x = gpu.tensor([rows, cols], values);
    const out = gpu.empty([rows, 2]);
    gpu.dispatch(rowSumAndMax, { C: u32(cols), WG: u32(threads) }, [x, out], [rows]);
    expect(scaledError(await out.read(), expected)).toBeLessThanOrEqual(1e-6);
    x.free();
    out.free();
  });
});
