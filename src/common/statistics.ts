/** Mean and population standard deviation (over seeds: the results table's "mean ± std"). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const n = Math.max(values.length, 1);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return { mean, std: Math.sqrt(variance) };
}
