import { memo, useDeferredValue, useId, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { StoredRun } from '../../../persistence/records';
import { useStudioStore } from '../../../store/studio-store';
import {
  choiceOfRun,
  type LiveRun,
  type MethodChoice,
  methodChoice,
  type ResultRow,
  resultRows,
  storedRun,
} from '../../../store/training-plan';
import { LossChart } from '../../charts/LossChart';
import type { RunSeries } from '../../charts/run-series';
import { ValidationChart } from '../../charts/ValidationChart';
import { count, duration, percent } from '../../format';
import { ConfusionMatrix } from './ConfusionMatrix';

interface ChartRun {
  id: string;
  choice: MethodChoice;
  seed: number;
  curve: { step: number; loss: number }[];
  validation: { epoch: number; accuracy: number | null }[];
}

const fromLive = (run: LiveRun): ChartRun => ({ ...run, choice: methodChoice(run.choice) });
const fromStored = (run: StoredRun): ChartRun => ({ ...run, choice: choiceOfRun(run) });

function chartSeries(runs: readonly ChartRun[]): { loss: RunSeries[]; validation: RunSeries[] } {
  const label = (run: ChartRun) => `${run.choice.title}, seed ${run.seed}`;
  const trained = runs.filter((run) => run.choice.method !== 'zero-shot');
  return {
    loss: trained.map((run) => ({
      id: run.id,
      label: label(run),
      choice: run.choice,
      points: run.curve.map((p) => ({ x: p.step, y: p.loss })),
    })),
    validation: trained.map((run) => ({
      id: run.id,
      label: label(run),
      choice: run.choice,
      points: run.validation.flatMap((p) => (p.accuracy === null ? [] : [{ x: p.epoch, y: p.accuracy }])),
    })),
  };
}

/**
 * The shown session's runs: this page's as they train, or an earlier session's as stored. A resumed session
 * shows the runs that finished before its interruption as stored beside those training now. The runs that
 * have ended are selected apart (the same array until another ends), so the results are not worked out and
 * drawn again for every batch of training updates.
 */
function useViewedSession() {
  const current = useStudioStore((state) => state.training.viewedSessionId === state.training.sessionId);
  const viewed = useStudioStore((state) => state.training.viewedSessionId);
  const runs = useStudioStore((state) => state.training.runs);
  const ended = useStudioStore(
    useShallow((state) => state.training.runs.filter((r) => r.status !== 'running' && r.status !== 'paused')),
  );
  const history = useStudioStore((state) => state.training.history);
  const stored = useMemo(() => history.filter((r) => r.sessionId === viewed), [history, viewed]);
  const liveIds = useStudioStore(useShallow((state) => state.training.runs.map((r) => r.id)));
  const before = useMemo(() => {
    const live = new Set(liveIds);
    return stored.filter((r) => !live.has(r.id));
  }, [liveIds, stored]);
  const chart = useMemo(
    () => (current ? [...before.map(fromStored), ...runs.map(fromLive)] : stored.map(fromStored)),
    [current, before, runs, stored],
  );
  const records = useMemo(
    () => (current && viewed ? [...before, ...ended.map((r) => storedRun(r, viewed, null))] : stored),
    [current, viewed, before, ended, stored],
  );
  return { chart, records };
}

export function TrainResults() {
  const viewed = useViewedSession();
  // Curves and results draw in the background, between steps of the page's own work: never a long task.
  const chart = useDeferredValue(viewed.chart);
  const records = useDeferredValue(viewed.records);
  const series = useMemo(() => chartSeries(chart), [chart]);
  const rows = useMemo(() => resultRows(records), [records]);
  return (
    <>
      <section className="card" aria-labelledby="train-curves-title">
        <div className="card-header">
          <h3 id="train-curves-title">Curves</h3>
          <SessionChoice />
        </div>
        {chart.length === 0 && <p className="muted">The runs’ curves are drawn here as they train.</p>}
        <div className="train-charts">
          <LossChart series={series.loss} />
          <ValidationChart series={series.validation} />
        </div>
      </section>
      <Results rows={rows} />
    </>
  );
}

/** Drawn again only when a run ends (see useViewedSession). */
const Results = memo(function Results({ rows }: { rows: readonly ResultRow[] }) {
  return (
    <>
      <section className="card" aria-labelledby="train-results-title">
        <h3 id="train-results-title">Results</h3>
        {rows.length === 0 ? (
          <p className="muted">Results appear here as runs finish.</p>
        ) : (
          <ResultsTable rows={rows} />
        )}
      </section>
      {rows.some((row) => row.confusion) && (
        <section className="card" aria-labelledby="train-classes-title">
          <h3 id="train-classes-title">Per class</h3>
          <p className="field-hint">Test images of every seed together.</p>
          <div className="confusion-grid">
            {rows.map(
              (row) =>
                row.confusion && (
                  <ConfusionMatrix
                    key={row.key}
                    title={`${row.choice.title}, ${row.shots} shots`}
                    classes={row.classes}
                    confusion={row.confusion}
                  />
                ),
            )}
          </div>
        </section>
      )}
    </>
  );
});

function ResultsTable({ rows }: { rows: readonly ResultRow[] }) {
  const baseToNovel = rows.some((row) => row.novel);
  const spread = (s: { mean: number; std: number }, seeds: number) => (
    <>
      {percent(s.mean)}
      {seeds > 1 && <> ± {percent(s.std)}</>}
    </>
  );
  return (
    <div className="table-scroll">
      <table className="data-table results-table">
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">Task</th>
            <th scope="col" className="numeric">
              Shots
            </th>
            <th scope="col" className="numeric">
              Seeds
            </th>
            <th scope="col" className="numeric">
              {baseToNovel ? 'Base' : 'Test accuracy'}
            </th>
            {baseToNovel && (
              <>
                <th scope="col" className="numeric">
                  Novel
                </th>
                <th scope="col" className="numeric">
                  <abbr title="harmonic mean of base and novel accuracy">HM</abbr>
                </th>
              </>
            )}
            <th scope="col" className="numeric">
              Trainable parameters
            </th>
            <th scope="col" className="numeric">
              Time per run
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              data-testid="results-row"
              data-method={row.choice.title}
              data-accuracy={row.testAccuracy.mean}
            >
              <th scope="row">
                {row.choice.title}
                {row.cancelled > 0 && <span className="sub">{row.cancelled} cancelled early</span>}
              </th>
              <td>
                {row.task}
                {row.novel && (
                  <span className="sub">
                    base {row.classes.join(', ')}; novel {row.novel.classes.join(', ')}
                  </span>
                )}
              </td>
              <td className="numeric">{row.shots}</td>
              <td className="numeric">{row.seeds.join(', ')}</td>
              <td className="numeric">{spread(row.testAccuracy, row.seeds.length)}</td>
              {baseToNovel && (
                <>
                  <td className="numeric" data-testid="novel-accuracy">
                    {row.novel ? spread(row.novel.accuracy, row.seeds.length) : 'n/a'}
                  </td>
                  <td className="numeric" data-testid="harmonic-mean">
                    {row.novel ? spread(row.novel.harmonicMean, row.seeds.length) : 'n/a'}
                  </td>
                </>
              )}
              <td className="numeric">{count(row.trainableParameters)}</td>
              <td className="numeric">{duration(row.seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Which session the curves and results are of: this page's, or one kept from before. */
function SessionChoice() {
  const id = useId();
  const sessionId = useStudioStore((state) => state.training.sessionId);
  const viewed = useStudioStore((state) => state.training.viewedSessionId);
  const history = useStudioStore((state) => state.training.history);
  const view = useStudioStore((state) => state.viewTrainingSession);
  const sessions = useMemo(() => {
    const byId = new Map<string, StoredRun[]>();
    for (const run of history) byId.set(run.sessionId, [...(byId.get(run.sessionId) ?? []), run]);
    const options = [...byId.entries()].map(([session, runs]) => {
      const methods = [...new Set(runs.map((r) => choiceOfRun(r).title))].join(', ');
      const when = new Date(Math.min(...runs.map((r) => r.createdAt))).toLocaleString();
      const current = session === sessionId ? 'This session · ' : '';
      return { session, label: `${current}${when} · ${runs[0]?.tasks[0] ?? ''} · ${methods}` };
    });
    if (sessionId && !byId.has(sessionId)) options.unshift({ session: sessionId, label: 'This session' });
    return options;
  }, [history, sessionId]);
  if (sessions.length < 2) return null;
  return (
    <div className="session-choice">
      <label htmlFor={id}>Session</label>
      <select id={id} value={viewed ?? ''} onChange={(e) => view(e.target.value)}>
        {sessions.map(({ session, label }) => (
          <option key={session} value={session}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
