import { percent } from '../format';
import { RunLineChart } from './RunLineChart';
import { type RunSeries, seriesSummary } from './run-series';

const ACCURACY_AXIS = {
  domain: [0, 1] as [number, number],
  format: (v: number) => `${Math.round(100 * v)}%`,
};

/** Accuracy on the held-out shots after each epoch, one line per run. */
export function ValidationChart({ series }: { series: readonly RunSeries[] }) {
  return (
    <RunLineChart
      testId="validation-chart"
      title="Validation accuracy"
      description={`Accuracy on the held-out shots after each epoch. ${seriesSummary(series, (p) => `${percent(p.y)} after epoch ${p.x}`)}`}
      series={series}
      xLabel="epoch"
      yLabel="accuracy"
      fixedYAxis={ACCURACY_AXIS}
      markers
    />
  );
}
