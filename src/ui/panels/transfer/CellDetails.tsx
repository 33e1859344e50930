import { useEffect, useRef } from 'react';
import { percent } from '../../format';
import type { CellDetail } from './cell-detail';

interface Props {
  detail: CellDetail;
  onClose(): void;
}

/** One matrix cell opened from the heatmap: both values and where the source ranks on the target. */
export function CellDetails({ detail, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Opened from the keyboard, the reader lands on what opened.
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const { source, target, raw, normalised, rank, ranked, best, diagonal } = detail;
  return (
    <section className="card cell-details" aria-labelledby="cell-details-title" data-testid="cell-details">
      <div className="cell-details-header">
        <h3 id="cell-details-title" ref={heading} tabIndex={-1}>
          {source} → {target}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the cell details">
          Close
        </button>
      </div>
      <p className="muted">
        {diagonal
          ? `The prompt trained on ${target}, on its own test set.`
          : `The prompt trained on ${source}, applied to ${target}'s classes and test images with no further training.`}
      </p>
      <dl className="facts">
        <div className="fact">
          <dt>Source prompt</dt>
          <dd data-testid="detail-source">{source}</dd>
        </div>
        <div className="fact">
          <dt>Target task</dt>
          <dd data-testid="detail-target">{target}</dd>
        </div>
        <div className="fact">
          <dt>Raw accuracy</dt>
          <dd data-testid="detail-raw" data-value={raw ?? ''}>
            {raw === null ? 'not measured yet' : `${percent(raw)} top-1`}
          </dd>
        </div>
        <div className="fact">
          <dt>Normalised</dt>
          <dd data-testid="detail-normalised" data-value={normalised ?? ''}>
            {normalised === null
              ? '—'
              : `${normalised.toFixed(3)} of the best source on ${target}${best ? ` (${best.source}, ${percent(best.raw)})` : ''}`}
          </dd>
        </div>
        <div className="fact">
          <dt>Rank on {target}</dt>
          <dd data-testid="detail-rank" data-rank={rank ?? ''}>
            {rank === null ? '—' : `${rank} of ${ranked} sources measured`}
          </dd>
        </div>
      </dl>
    </section>
  );
}
