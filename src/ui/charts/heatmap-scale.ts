/**
 * The transfer heatmap's numbers before anything is drawn: which cells, their raw and per-target normalised
 * values, the colour domain and the text colour that stays readable on each fill.
 */
import { interpolateViridis, rgb, type ScaleSequential, scaleSequential } from 'd3';
import { normaliseByTarget, type TransferMatrix } from '../../multitask/transfer-matrix';

export interface HeatmapCell {
  /** Row (source) and column (target) indices. */
  s: number;
  t: number;
  source: string;
  target: string;
  /** Test top-1 on the target of the source's prompt; null until measured. */
  raw: number | null;
  /** raw over the best source's raw on this target. */
  normalised: number | null;
}

export function heatmapCells(matrix: TransferMatrix): HeatmapCell[] {
  const normalised = normaliseByTarget(matrix.accuracy);
  return matrix.tasks.flatMap((source, s) =>
    matrix.tasks.map((target, t) => ({
      s,
      t,
      source,
      target,
      raw: matrix.accuracy[s]?.[t] ?? null,
      normalised: normalised[s]?.[t] ?? null,
    })),
  );
}

/**
 * [low, 1]: every column's best is 1, and the low end is the smallest measured value rounded down to a
 * tenth, so a matrix whose values all lie in 0.9–1 still spreads over the whole colour ramp.
 */
export function colourDomain(cells: readonly HeatmapCell[]): [number, number] {
  const measured = cells.flatMap((c) => (c.normalised === null ? [] : [c.normalised]));
  if (measured.length === 0) return [0, 1];
  const low = Math.floor(Math.min(...measured) * 10) / 10;
  return [Math.min(low, 0.9), 1];
}

export function colourScale(domain: [number, number]): ScaleSequential<string> {
  return scaleSequential(interpolateViridis).domain(domain).clamp(true);
}

/** Black or white, whichever contrasts more with `fill` (WCAG relative luminance). */
export function textColourOn(fill: string): '#000000' | '#ffffff' {
  const { r, g, b } = rgb(fill);
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); they are equal at L ≈ 0.179.
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

/** What a screen reader hears for a cell, and what its tooltip says. */
export function cellDescription(cell: HeatmapCell): string {
  if (cell.raw === null || cell.normalised === null)
    return `${cell.source} prompt on ${cell.target}: not measured yet`;
  return (
    `${cell.source} prompt on ${cell.target}: ${(100 * cell.raw).toFixed(1)}% top-1, ` +
    `${cell.normalised.toFixed(2)} of the best source on ${cell.target}`
  );
}
