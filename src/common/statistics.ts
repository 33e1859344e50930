/** Mean and population standard deviation (over seeds: the results table's "mean ± std"). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const n = Math.max(values.length, 1);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return { mean, std: Math.sqrt(variance) };
}

/** The harmonic mean of base and novel accuracy, as CoCoOp reports it (base-to-novel); 0 when either is. */
export function harmonicMean(base: number, novel: number): number {
  return base + novel === 0 ? 0 : (2 * base * novel) / (base + novel);
}
