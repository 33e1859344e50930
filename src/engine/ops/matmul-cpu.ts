/**
 * The CPU backend's matmul: the same arithmetic as `matmulRef` (which stays the spec), in an order a CPU
 * likes. Few-shot training on the CPU backend spends over 90% of its time in matmul, and the reference's
 * inner loop strides through B and recomputes both operands' indices for every multiply-add.
 *
 * Each output is still one double-precision sum over p = 0..k−1 in order, then alpha, bias and the
 * accumulated value added as the reference adds them, so the results are bit-identical to `matmulRef` (the
 * test checks equality, not a tolerance). What changes is the memory order: op(B) is packed once per batch
 * as rows of k contiguous doubles, two rows of op(A) at a time likewise, and a 2×4 block of outputs is
 * summed together, so each loaded value is used several times and every load is sequential.
 */
import type { Floats } from '../tensor';
import type { MatmulSpec } from './matmul';

/** Rows of op(A) packed per block; with BLOCK_COLS, 8 sums in registers. */
const BLOCK_ROWS = 2;
const BLOCK_COLS = 4;

/** The packing buffers, kept between calls (grown as needed) so a training step does not churn the GC. */
let packedASpace = new Float64Array(0);
let packedBSpace = new Float64Array(0);

/** C[z] = alpha · op(A[z]) · op(B[z]) (+ bias) (+ C[z]), as `matmulRef`. */
export function matmulCpu(
  a: Floats,
  b: Floats,
  spec: MatmulSpec,
  out: Floats,
  options: { bias?: Floats | undefined; accumulate?: boolean } = {},
): void {
  const { m, n, k, batch, transA, transB, batchStrideA, batchStrideB, alpha } = spec;
  const bias = options.bias;
  const accumulate = options.accumulate === true;
  // packedB[j·k + p] = op(B)[p, j]; packedA[r·k + p] = op(A)[i + r, p].
  if (packedBSpace.length < n * k) packedBSpace = new Float64Array(n * k);
  if (packedASpace.length < BLOCK_ROWS * k) packedASpace = new Float64Array(BLOCK_ROWS * k);
  const packedB = packedBSpace;
  const packedA = packedASpace;
  let packedOffset = -1;
  const store = (index: number, j: number, sum: number) => {
    let v = alpha * sum;
    if (bias) v += bias[j] as number;
    if (accumulate) v += out[index] as number;
    out[index] = v;
  };
  for (let z = 0; z < batch; z++) {
    const offsetA = z * batchStrideA;
    const offsetB = z * batchStrideB;
    // A stride of 0 shares one B across the batch: pack it once.
    if (offsetB !== packedOffset) {
      if (transB) for (let q = 0; q < n * k; q++) packedB[q] = b[offsetB + q] as number;
      else {
        for (let p = 0; p < k; p++)
          for (let j = 0; j < n; j++) packedB[j * k + p] = b[offsetB + p * n + j] as number;
      }
      packedOffset = offsetB;
    }
    const base = z * m * n;
    for (let i = 0; i < m; i += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, m - i);
      for (let r = 0; r < rows; r++) {
        for (let p = 0; p < k; p++) {
          packedA[r * k + p] = a[offsetA + (transA ? p * m + i + r : (i + r) * k + p)] as number;
        }
      }
      // A last single row computes a second row of zeros that is never stored.
      if (rows === 1) packedA.fill(0, k, 2 * k);
      const row0 = base + i * n;
      const row1 = row0 + n;
      let j = 0;
      for (; j + BLOCK_COLS <= n; j += BLOCK_COLS) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = packedA[p] as number;
          const x1 = packedA[k + p] as number;
          const y0 = packedB[b0 + p] as number;
          const y1 = packedB[b1 + p] as number;
          const y2 = packedB[b2 + p] as number;
          const y3 = packedB[b3 + p] as number;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        store(row0 + j, j, s00);
        store(row0 + j + 1, j + 1, s01);
        store(row0 + j + 2, j + 2, s02);
        store(row0 + j + 3, j + 3, s03);
        if (rows === 2) {
          store(row1 + j, j, s10);
          store(row1 + j + 1, j + 1, s11);
          store(row1 + j + 2, j + 2, s12);
          store(row1 + j + 3, j + 3, s13);
        }
      }
      for (; j < n; j++) {
        const b0 = j * k;
        let s0 = 0;
        let s1 = 0;
        for (let p = 0; p < k; p++) {
          const y = packedB[b0 + p] as number;
          s0 += (packedA[p] as number) * y;
          s1 += (packedA[k + p] as number) * y;
        }
        store(row0 + j, j, s0);
        if (rows === 2) store(row1 + j, j, s1);
      }
    }
  }
}
