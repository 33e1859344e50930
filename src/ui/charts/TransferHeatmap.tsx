import { scaleBand, scaleLinear } from 'd3';
import { type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import type { TransferMatrix } from '../../multitask/transfer-matrix';
import {
  cellDescription,
  colourDomain,
  colourScale,
  type HeatmapCell,
  heatmapCells,
  textColourOn,
} from './heatmap-scale';
import './TransferHeatmap.css';

export interface CellPosition {
  s: number;
  t: number;
}

interface Props {
  matrix: TransferMatrix;
  /** The cell whose details are open, outlined. */
  selected: CellPosition | null;
  onOpen(cell: CellPosition): void;
}

const LABEL_CHAR_PX = 7.5;
const LEGEND_WIDTH = 96;
const LEGEND_BAR = 14;

/** Cells as large as fit ~560 px of grid, never smaller than a two-decimal number needs. */
const cellSize = (n: number) => Math.max(34, Math.min(72, Math.floor(560 / Math.max(n, 1))));

/**
 * The transferability matrix as a heatmap: rows are the prompts' source tasks, columns the target tasks, the
 * colour each cell's accuracy over the best source on its target (so every column has a 1). Cells not
 * measured yet are hatched. Hover or focus shows both values; click, Enter or Space opens the cell. The
 * grid is one tab stop: arrow keys move between cells.
 */
export function TransferHeatmap({ matrix, selected, onOpen }: Props) {
  const ids = { hatch: useId(), gradient: useId(), tooltip: useId(), caption: useId() };
  const cells = useMemo(() => heatmapCells(matrix), [matrix]);
  const domain = colourDomain(cells);
  const colour = colourScale(domain);
  const n = matrix.tasks.length;
  const size = cellSize(n);
  const longest = Math.max(...matrix.tasks.map((name) => name.length), 4);
  const left = Math.min(200, 24 + longest * LABEL_CHAR_PX);
  // Column labels are slanted at 45°: their height is the label's length over √2.
  const top = Math.min(160, 28 + (longest * LABEL_CHAR_PX) / Math.SQRT2);
  const grid = n * size;
  const band = scaleBand<number>()
    .domain(matrix.tasks.map((_, i) => i))
    .range([0, grid])
    .paddingInner(0.06);
  const width = left + grid + 24 + LEGEND_WIDTH;
  const height = top + Math.max(grid, 160) + 8;

  const [active, setActive] = useState<CellPosition>({ s: 0, t: 0 });
  // What the tooltip shows: the cell last pointed at or focused, whichever came last; looked up in `cells`
  // on each render so it shows values that arrive while it is open.
  const [tip, setTip] = useState<(CellPosition & { by: 'pointer' | 'focus' }) | null>(null);
  const showTip = (cell: HeatmapCell, by: 'pointer' | 'focus') => setTip({ s: cell.s, t: cell.t, by });
  const hideTip = (cell: HeatmapCell, by: 'pointer' | 'focus') =>
    setTip((current) =>
      current?.by === by && current.s === cell.s && current.t === cell.t ? null : current,
    );
  const hovered = tip && tip.s < n && tip.t < n ? cells[tip.s * n + tip.t] : undefined;
  const cellRefs = useRef(new Map<string, SVGGElement>());
  const focusCell = (position: CellPosition) => {
    setActive(position);
    cellRefs.current.get(`${position.s},${position.t}`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent, cell: HeatmapCell) => {
    const moves: Record<string, CellPosition> = {
      ArrowUp: { s: cell.s - 1, t: cell.t },
      ArrowDown: { s: cell.s + 1, t: cell.t },
      ArrowLeft: { s: cell.s, t: cell.t - 1 },
      ArrowRight: { s: cell.s, t: cell.t + 1 },
      Home: { s: cell.s, t: 0 },
      End: { s: cell.s, t: n - 1 },
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      if (move.s >= 0 && move.s < n && move.t >= 0 && move.t < n) focusCell(move);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen({ s: cell.s, t: cell.t });
    }
  };
  const tabStop = active.s < n && active.t < n ? active : { s: 0, t: 0 };

  const legendHeight = Math.max(grid, 160) - 40;
  const legend = scaleLinear().domain(domain).range([legendHeight, 0]);
  const legendX = left + grid + 24;

  return (
    <figure className="transfer-heatmap" aria-labelledby={ids.caption}>
      <figcaption id={ids.caption} className="visually-hidden">
        Transferability heatmap: rows are source prompts, columns target tasks, colour the accuracy over the
        best source on the target. Arrow keys move between cells; Enter opens one.
      </figcaption>
      {/* biome-ignore lint/a11y/noSvgWithoutTitle: named by the figcaption; a <title> would add the browser's own tooltip over every cell's. */}
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-labelledby={ids.caption}>
        <defs>
          <pattern
            id={ids.hatch}
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" className="heatmap-empty-bg" />
            <line x1="0" y1="0" x2="0" y2="6" className="heatmap-hatch" />
          </pattern>
          <linearGradient id={ids.gradient} x1="0" y1="1" x2="0" y2="0">
            {[0, 0.25, 0.5, 0.75, 1].map((f) => (
              <stop key={f} offset={f} stopColor={colour(domain[0] + f * (domain[1] - domain[0]))} />
            ))}
          </linearGradient>
        </defs>

        <text className="heatmap-axis-title" x={left + grid / 2} y={12} textAnchor="middle">
          target task
        </text>
        <text
          className="heatmap-axis-title"
          transform={`translate(12, ${top + grid / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          source prompt
        </text>
        {matrix.tasks.map((name, i) => (
          <text
            key={`column-${name}`}
            className="heatmap-label"
            transform={`translate(${left + (band(i) ?? 0) + band.bandwidth() / 2}, ${top - 6}) rotate(-45)`}
          >
            {name}
          </text>
        ))}
        {matrix.tasks.map((name, i) => (
          <text
            key={`row-${name}`}
            className="heatmap-label"
            x={left - 8}
            y={top + (band(i) ?? 0) + band.bandwidth() / 2}
            textAnchor="end"
            dominantBaseline="middle"
          >
            {name}
          </text>
        ))}

        <g transform={`translate(${left}, ${top})`}>
          {cells.map((cell) => {
            const x = band(cell.t) ?? 0;
            const y = band(cell.s) ?? 0;
            const w = band.bandwidth();
            const measured = cell.normalised !== null;
            const fill = measured ? colour(cell.normalised as number) : `url(#${ids.hatch})`;
            const isSelected = selected?.s === cell.s && selected?.t === cell.t;
            return (
              // biome-ignore lint/a11y/useSemanticElements: an SVG cell cannot be a <button>; it acts as one.
              <g
                key={`${cell.s},${cell.t}`}
                ref={(element) => {
                  if (element) cellRefs.current.set(`${cell.s},${cell.t}`, element);
                  else cellRefs.current.delete(`${cell.s},${cell.t}`);
                }}
                role="button"
                className="heatmap-cell"
                tabIndex={tabStop.s === cell.s && tabStop.t === cell.t ? 0 : -1}
                aria-label={cellDescription(cell)}
                aria-pressed={isSelected}
                data-testid="transfer-cell"
                data-source={cell.source}
                data-target={cell.target}
                data-raw={cell.raw ?? ''}
                data-normalised={cell.normalised ?? ''}
                onClick={() => {
                  setActive({ s: cell.s, t: cell.t });
                  onOpen({ s: cell.s, t: cell.t });
                }}
                onKeyDown={(event) => onKeyDown(event, cell)}
                onFocus={() => {
                  setActive({ s: cell.s, t: cell.t });
                  showTip(cell, 'focus');
                }}
                onBlur={() => hideTip(cell, 'focus')}
                onMouseEnter={() => showTip(cell, 'pointer')}
                onMouseLeave={() => hideTip(cell, 'pointer')}
              >
                <rect
                  x={x}
                  y={y}
                  width={w}
                  height={w}
                  rx={3}
                  fill={fill}
                  className={isSelected ? 'heatmap-rect selected' : 'heatmap-rect'}
                />
                {measured && (
                  <text
                    x={x + w / 2}
                    y={y + w / 2}
                    textAnchor="middle"
                    dominantBaseline="central"
                    fill={textColourOn(fill)}
                    className="heatmap-value"
                  >
                    {(cell.normalised as number).toFixed(2)}
                  </text>
                )}
              </g>
            );
          })}
        </g>

        <g transform={`translate(${legendX}, ${top})`}>
          <text className="heatmap-axis-title" x={0} y={-8}>
            of best source
          </text>
          <rect width={LEGEND_BAR} height={legendHeight} fill={`url(#${ids.gradient})`} />
          {legend.ticks(5).map((tick) => (
            <g key={tick} transform={`translate(${LEGEND_BAR}, ${legend(tick)})`}>
              <line x2={4} className="heatmap-tick" />
              <text x={7} dominantBaseline="middle" className="heatmap-label">
                {tick.toFixed(2)}
              </text>
            </g>
          ))}
          <rect y={legendHeight + 12} width={LEGEND_BAR} height={LEGEND_BAR} fill={`url(#${ids.hatch})`} />
          <text
            x={LEGEND_BAR + 7}
            y={legendHeight + 12 + LEGEND_BAR / 2}
            dominantBaseline="middle"
            className="heatmap-label"
          >
            not yet
          </text>
        </g>
      </svg>
      {hovered && (
        <div
          id={ids.tooltip}
          role="tooltip"
          data-testid="transfer-tooltip"
          className="heatmap-tooltip"
          style={
            // Beside the cell, on the side with room: left of the last column's cells.
            hovered.t < n - 1
              ? {
                  left: left + (band(hovered.t) ?? 0) + band.bandwidth() + 6,
                  top: top + (band(hovered.s) ?? 0),
                }
              : {
                  left: left + (band(hovered.t) ?? 0) - 6,
                  top: top + (band(hovered.s) ?? 0),
                  transform: 'translateX(-100%)',
                }
          }
        >
          <strong>
            {hovered.source} → {hovered.target}
          </strong>
          {hovered.raw === null || hovered.normalised === null ? (
            <span>not measured yet</span>
          ) : (
            <>
              <span>raw top-1 {(100 * hovered.raw).toFixed(1)}%</span>
              <span>normalised {hovered.normalised.toFixed(3)}</span>
            </>
          )}
        </div>
      )}
    </figure>
  );
}
