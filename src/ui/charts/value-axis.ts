import { type ScaleLinear, scaleLinear } from 'd3';

/** Ticks on a chart's value axis: about this many, at round steps. */
export const VALUE_TICKS = 5;

/**
 * A value axis from 0 to a little above the largest value, rounded to tick steps, with labels as precise
 * as the step: losses of 0.001 to 0.004 read "0.0010 … 0.0040", not five times "0.00".
 */
export function valueAxis(
  largest: number,
  range: [number, number],
): { scale: ScaleLinear<number, number>; label: (value: number) => string } {
  const top = largest * 1.05 || 1;
  const scale = scaleLinear().domain([0, top]).nice(VALUE_TICKS).range(range);
  // d3 picks the decimals from the tick step; "~" drops zeros the step does not need (0.50 → 0.5).
  return { scale, label: scale.tickFormat(VALUE_TICKS, '~f') };
}
