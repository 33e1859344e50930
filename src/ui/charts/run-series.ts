/**
 * Training runs as chart lines: one line per run, its colour its method's (a multitask variant takes its
 * method's colour, dashed), so a method's seeds read as one family and the legend lists methods, not runs.
 */
import { schemeTableau10 } from 'd3';
import { methodEntry } from '../../methods/catalog';
import type { MethodChoice } from '../../store/training-plan';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface RunSeries {
  id: string;
  /** "CoOp, seed 1". */
  label: string;
  /** The legend entry it belongs to. */
  choice: MethodChoice;
  points: ChartPoint[];
}

export interface LegendEntry {
  choice: MethodChoice;
  colour: string;
  dashed: boolean;
}

export function choiceColour(choice: MethodChoice): string {
  return schemeTableau10[methodEntry(choice.method).chartOrder % schemeTableau10.length] as string;
}

export const choiceDashed = (choice: MethodChoice): boolean => choice.kind === 'mvlpt';

/** One entry per method among the series, in the order they first appear. */
export function legendEntries(series: readonly RunSeries[]): LegendEntry[] {
  const seen = new Map<string, LegendEntry>();
  for (const { choice } of series) {
    if (!seen.has(choice.id))
      seen.set(choice.id, { choice, colour: choiceColour(choice), dashed: choiceDashed(choice) });
  }
  return [...seen.values()];
}

/** What a screen reader hears of the chart: each line's last value. */
export function seriesSummary(
  series: readonly RunSeries[],
  pointText: (point: ChartPoint) => string,
): string {
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) return 'No points yet.';
  return drawn.map((s) => `${s.label}: ${pointText(s.points[s.points.length - 1] as ChartPoint)}`).join('; ');
}
