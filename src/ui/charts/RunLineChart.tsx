import { axisBottom, axisLeft, line, max, min, scaleLinear, select } from 'd3';
import { memo, useEffect, useId, useRef } from 'react';
import { type ChartPoint, choiceColour, choiceDashed, legendEntries, type RunSeries } from './run-series';
import { VALUE_TICKS, valueAxis } from './value-axis';
import './RunLineChart.css';

export interface RunLineChartProps {
  title: string;
  /** What the chart shows now, in words (the svg's desc). */
  description: string;
  series: readonly RunSeries[];
  xLabel: string;
  yLabel: string;
  /** Fixed (accuracy: 0 to 1) with its labels; otherwise from 0 to the largest value, labelled by the step. */
  fixedYAxis?: { domain: [number, number]; format: (value: number) => string };
  /** A dot at every point: for curves of a few points, such as one per epoch. */
  markers?: boolean;
  testId: string;
}

const WIDTH = 560;
const HEIGHT = 250;
const MARGIN = { top: 14, right: 18, bottom: 42, left: 56 };

/**
 * Lines of training runs against a whole-number x (step, epoch), drawn by d3 into an svg that React creates
 * once: each update rejoins the lines by run id, so the page never rebuilds the chart while training runs.
 * Props should keep their identity between updates (constants, memoised series): the chart draws again
 * only when one changes.
 */
export const RunLineChart = memo(function RunLineChart(props: RunLineChartProps) {
  const plot = useRef<SVGGElement>(null);
  const ids = { title: useId(), desc: useId() };
  const { title, description, series, testId, xLabel, yLabel, fixedYAxis, markers } = props;

  useEffect(() => {
    if (plot.current) draw(plot.current, { series, xLabel, yLabel, fixedYAxis, markers });
  }, [series, xLabel, yLabel, fixedYAxis, markers]);

  const legend = legendEntries(series);
  return (
    <figure className="run-chart" data-testid={testId}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${ids.title} ${ids.desc}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={ids.title}>{title}</title>
        <desc id={ids.desc}>{description}</desc>
        <g ref={plot} />
      </svg>
      <figcaption>
        <span className="run-chart-title">{title}</span>
        <ul className="run-chart-legend" aria-label={`${title}: methods`}>
          {legend.map(({ choice, colour, dashed }) => (
            <li key={choice.id}>
              <svg width="28" height="10" aria-hidden="true">
                <line
                  x1="1"
                  x2="27"
                  y1="5"
                  y2="5"
                  stroke={colour}
                  strokeWidth="3"
                  strokeDasharray={dashed ? '6 4' : undefined}
                />
              </svg>
              {choice.title}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
});

type Drawn = Pick<RunLineChartProps, 'series' | 'xLabel' | 'yLabel' | 'fixedYAxis' | 'markers'>;

function draw(g: SVGGElement, props: Drawn): void {
  const { series, fixedYAxis, xLabel, yLabel, markers } = props;
  const points = series.flatMap((s) => s.points);
  const xMin = min(points, (p) => p.x) ?? 0;
  const xMax = Math.max(max(points, (p) => p.x) ?? 1, xMin + 1);
  const x = scaleLinear()
    .domain([Math.min(xMin, 1), xMax])
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const yRange: [number, number] = [HEIGHT - MARGIN.bottom, MARGIN.top];
  const { scale: y, label: yLabelOf } = fixedYAxis
    ? { scale: scaleLinear().domain(fixedYAxis.domain).nice().range(yRange), label: fixedYAxis.format }
    : valueAxis(max(points, (p) => p.y) ?? 1, yRange);
  const root = select(g);

  const xTicks = x.ticks(Math.min(8, xMax)).filter(Number.isInteger);
  root
    .selectAll<SVGGElement, null>('g.x-axis')
    .data([null])
    .join('g')
    .attr('class', 'axis x-axis')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(
      axisBottom(x)
        .tickValues(xTicks)
        .tickFormat((v) => String(v)),
    );
  root
    .selectAll<SVGGElement, null>('g.y-axis')
    .data([null])
    .join('g')
    .attr('class', 'axis y-axis')
    .attr('transform', `translate(${MARGIN.left},0)`)
    .call(
      axisLeft(y)
        .ticks(VALUE_TICKS)
        .tickFormat((v) => yLabelOf(Number(v))),
    );
  root
    .selectAll('text.axis-title')
    .data([
      { text: xLabel, x: (MARGIN.left + WIDTH - MARGIN.right) / 2, y: HEIGHT - 6, rotate: 0 },
      { text: yLabel, x: -(MARGIN.top + HEIGHT - MARGIN.bottom) / 2, y: 14, rotate: -90 },
    ])
    .join('text')
    .attr('class', 'axis-title')
    .attr('text-anchor', 'middle')
    .attr('transform', (d) => (d.rotate ? `rotate(${d.rotate})` : null))
    .attr('x', (d) => d.x)
    .attr('y', (d) => d.y)
    .text((d) => d.text);

  const path = line<ChartPoint>()
    .x((p) => x(p.x))
    .y((p) => y(p.y));
  root
    .selectAll<SVGPathElement, RunSeries>('path.run-line')
    .data(series, (s) => s.id)
    .join('path')
    .attr('class', 'run-line')
    .attr('data-run', (s) => s.id)
    .attr('fill', 'none')
    .attr('stroke-width', 2)
    .attr('stroke', (s) => choiceColour(s.choice))
    .attr('stroke-dasharray', (s) => (choiceDashed(s.choice) ? '6 4' : null))
    .attr('d', (s) => path(s.points));

  const dots = markers ? series : [];
  root
    .selectAll<SVGGElement, RunSeries>('g.run-markers')
    .data(dots, (s) => s.id)
    .join('g')
    .attr('class', 'run-markers')
    .attr('fill', (s) => choiceColour(s.choice))
    .selectAll('circle')
    .data((s) => s.points)
    .join('circle')
    .attr('r', 3.5)
    .attr('cx', (p) => x(p.x))
    .attr('cy', (p) => y(p.y));
}
