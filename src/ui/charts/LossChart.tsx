import { RunLineChart } from './RunLineChart';
import { type RunSeries, seriesSummary } from './run-series';

/** Training loss per step, one line per run. */
export function LossChart({ series }: { series: readonly RunSeries[] }) {
  return (
    <RunLineChart
      testId="loss-chart"
      title="Training loss"
      description={`Cross-entropy per training step. ${seriesSummary(series, (p) => `${p.y.toPrecision(3)} at step ${p.x}`)}`}
      series={series}
      xLabel="step"
      yLabel="loss"
    />
  );
}
