/**
 * Gradient parity row by row: a tensor's rows are its last axis (one context token's vector, one weight
 * row, one prompt), a 1-D tensor (a bias) is one row. A whole-tensor error (max|Δ| / max|reference|) can
 * hide a wrong row whose gradient is small beside the others'; here each row is measured against its own
 * scale, max|Δ_row| / max|reference_row|, and the worst row is reported.
 */
import { sizeOf } from '../../engine/tensor';

/** Reference rows smaller than this are measured against it: float32 cannot resolve them further. */
const ROW_SCALE_FLOOR = 1e-6;

export interface RowError {
  /** The worst row's max|Δ_row| / max|reference_row|. */
  error: number;
  /** Which row it is, in row-major order over the leading axes. */
  row: number;
}

export function worstRowError(
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  shape: readonly number[],
): RowError {
  const width = shape.length === 0 ? 1 : (shape[shape.length - 1] as number);
  const rows = shape.length <= 1 ? 1 : sizeOf(shape) / width;
  const rowWidth = shape.length <= 1 ? sizeOf(shape) : width;
  let worst: RowError = { error: 0, row: 0 };
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let scale = ROW_SCALE_FLOOR;
    for (let i = r * rowWidth; i < (r + 1) * rowWidth; i++) {
      const e = reference[i] as number;
      const a = actual[i] as number;
      if (e === a) continue;
      diff = Math.max(diff, Math.abs(a - e));
      scale = Math.max(scale, Math.abs(e));
    }
    // NaN compares false: a NaN row is the worst there is.
    const error = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
    if (error > worst.error) worst = { error, row: r };
  }
  return worst;
}
