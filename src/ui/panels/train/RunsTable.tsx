import { memo } from 'react';
import { useStudioStore } from '../../../store/studio-store';
import { type LiveRun, methodChoice } from '../../../store/training-plan';
import { duration } from '../../format';

const STATUS_TEXT: Record<LiveRun['status'], string> = {
  running: 'training',
  paused: 'paused',
  completed: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** The session's runs as they train: where each is, how fast, how long to go; controls per run. */
export function RunsTable() {
  const runs = useStudioStore((state) => state.training.runs);
  if (runs.length === 0) return null;
  return (
    <section className="card" aria-labelledby="train-runs-title">
      <h3 id="train-runs-title">Runs</h3>
      <div className="table-scroll">
        <table className="data-table runs-table">
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col" className="numeric">
                Seed
              </th>
              <th scope="col">Status</th>
              <th scope="col" className="numeric">
                Step
              </th>
              <th scope="col" className="numeric">
                Loss
              </th>
              <th scope="col" className="numeric">
                Steps/s
              </th>
              <th scope="col" className="numeric">
                ETA
              </th>
              <th scope="col">
                <span className="visually-hidden">Controls</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow key={run.id} run={run} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function progress(run: LiveRun): string {
  if (run.status !== 'running' || run.curve.length > 0 || !run.features) return run.stage ?? '';
  return `encoding images ${run.features.done}/${run.features.total}`;
}

/** A run's row draws again only when its run changes (updates keep the others' objects). */
const RunRow = memo(function RunRow({ run }: { run: LiveRun }) {
  const pause = useStudioStore((state) => state.pauseTraining);
  const resume = useStudioStore((state) => state.resumeTraining);
  const cancel = useStudioStore((state) => state.cancelTraining);
  const restart = useStudioStore((state) => state.restartTrainingRun);
  const { title } = methodChoice(run.choice);
  const name = `${title}, seed ${run.seed}`;
  const last = run.curve[run.curve.length - 1];
  const live = run.status === 'running' || run.status === 'paused';
  return (
    <>
      <tr data-testid="run-row" data-run={run.id} data-method={title} data-status={run.status}>
        <th scope="row">
          {title}
          {run.tasks.length > 1 && <span className="sub">{run.tasks.join(' + ')}</span>}
        </th>
        <td className="numeric">{run.seed}</td>
        <td>
          <span className={`run-status status-${run.status}`}>{STATUS_TEXT[run.status]}</span>
          <span className="sub">{progress(run)}</span>
        </td>
        <td className="numeric">{last?.step ?? '—'}</td>
        <td className="numeric">{last ? last.loss.toFixed(3) : '—'}</td>
        <td className="numeric" data-testid="steps-per-second">
          {run.stepsPerSecond === null ? '—' : run.stepsPerSecond.toFixed(2)}
        </td>
        <td className="numeric" data-testid="eta">
          {live && run.etaSeconds !== null ? duration(run.etaSeconds) : '—'}
        </td>
        <td className="run-controls">
          {run.status === 'running' && (
            <button type="button" aria-label={`Pause ${name}`} onClick={() => void pause(run.id)}>
              Pause
            </button>
          )}
          {run.status === 'paused' && (
            <button type="button" aria-label={`Resume ${name}`} onClick={() => void resume(run.id)}>
              Resume
            </button>
          )}
          {live && (
            <button type="button" aria-label={`Cancel ${name}`} onClick={() => void cancel(run.id)}>
              Cancel
            </button>
          )}
          {run.status === 'failed' && run.deviceLost && (
            <button type="button" onClick={() => void restart(run.id)}>
              {run.checkpointEpoch === null ? 'Restart from the start' : 'Restart from checkpoint'}
              <span className="visually-hidden"> of {name}</span>
            </button>
          )}
        </td>
      </tr>
      {run.error && (
        <tr className="run-error-row">
          <td colSpan={8}>
            <p className="notice notice-error" role="alert">
              {name}: {run.error}
              {run.deviceLost &&
                (run.checkpointEpoch === null
                  ? ' — no epoch had finished, so a restart trains it from the start.'
                  : ` — its checkpoint after epoch ${run.checkpointEpoch} is kept: restart to continue from there on a fresh device.`)}
            </p>
          </td>
        </tr>
      )}
    </>
  );
});
