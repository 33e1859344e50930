import { useId } from 'react';
import type { InterruptedRun, InterruptedSession } from '../../../store/interrupted-sessions';
import { useStudioStore } from '../../../store/studio-store';
import { methodChoice } from '../../../store/training-plan';

function progress(run: InterruptedRun): string {
  if (run.finished) return 'finished (its result is kept)';
  if (!run.checkpoint) return 'no epoch finished: starts from the beginning';
  const { epoch, step } = run.checkpoint.checkpoint;
  return `epoch ${epoch} done (step ${step}): continues from there`;
}

/** Sessions a reload, a tab crash or the worker dying cut short: where each run got to; resume or discard. */
export function InterruptedSessions() {
  const interrupted = useStudioStore((state) => state.training.interrupted);
  if (interrupted.length === 0) return null;
  return (
    <section className="card" aria-labelledby="train-interrupted-title" data-testid="interrupted-sessions">
      <h3 id="train-interrupted-title">Interrupted sessions</h3>
      <p className="field-hint">
        These sessions were still training when the page went away. Resume trains each unfinished run on from
        its last finished epoch, exactly as it would have gone on; Discard forgets where they were (the
        results of finished runs stay).
      </p>
      {interrupted.map((entry) => (
        <InterruptedEntry key={entry.session.id} entry={entry} />
      ))}
    </section>
  );
}

function InterruptedEntry({ entry }: { entry: InterruptedSession }) {
  const id = useId();
  const busy = useStudioStore(
    (state) =>
      state.training.starting ||
      state.training.runs.some((r) => r.status === 'running' || r.status === 'paused'),
  );
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  const resume = useStudioStore((state) => state.resumeInterruptedSession);
  const discard = useStudioStore((state) => state.discardInterruptedSession);
  const { session, runs } = entry;
  const when = new Date(session.createdAt).toLocaleString();
  const name = `${when} · ${session.tasks.join(' + ')} · ${session.shots} shots`;
  return (
    <div data-testid="interrupted-session" data-session={session.id}>
      <p id={id}>{name}</p>
      <div className="table-scroll">
        <table className="data-table" aria-labelledby={id}>
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col" className="numeric">
                Seed
              </th>
              <th scope="col">Where it got to</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.runId} data-testid="interrupted-run" data-method={methodChoice(run.choice).title}>
                <th scope="row">{methodChoice(run.choice).title}</th>
                <td className="numeric">{run.seed}</td>
                <td>{progress(run)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="controls">
        <button
          type="button"
          disabled={busy || !modelReady}
          aria-label={`Resume the session of ${name}`}
          onClick={() => void resume(session.id)}
        >
          Resume
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={`Discard the session of ${name}`}
          onClick={() => void discard(session.id)}
        >
          Discard
        </button>
      </div>
      {!modelReady && <p className="muted">Resume waits for the model to load.</p>}
    </div>
  );
}
