import { type FormEvent, useEffect, useId } from 'react';
import type { TrainingProgress, TransferStep } from '../../../workers/transfer-api';
import { fileStem } from '../../common/file-stem';
import { methodEntry } from '../../methods/catalog';
import type { MethodId } from '../../methods/method';
import { type GroupSuggestion, matrixCsv } from '../../multitask/transfer-matrix';
import type { StoredMatrix } from '../../persistence/records';
import { useStudioStore } from '../../store/studio-store';
import {
  matrixExport,
  matrixSuggestions,
  TRANSFER_METHODS,
  transferMatrix,
} from '../../store/transfer-records';
import { type GroupedRun, groupKey } from '../../store/transfer-slice';
import { TransferHeatmap } from '../charts/TransferHeatmap';
import { percent } from '../format';
import { saveFile } from '../save-file';
import { CellDetails } from './transfer/CellDetails';
import { cellDetail } from './transfer/cell-detail';
import './TransferPanel.css';

/** Which tasks help each other: every task's prompt applied to every other task, and groups to learn together. */
export function TransferPanel() {
  const loadMatrices = useStudioStore((state) => state.loadTransferMatrices);
  const startTasks = useStudioStore((state) => state.startTasks);
  useEffect(() => {
    void startTasks();
    void loadMatrices();
  }, [startTasks, loadMatrices]);
  return (
    <section className="panel transfer-panel" aria-labelledby="transfer-panel-title">
      <h2 id="transfer-panel-title">Transfer</h2>
      <p className="panel-intro">
        Each task's prompt is trained on its own few shots, then applied unchanged to every other task. Each
        column is divided by the best score any prompt reaches on that target, so 1.00 marks the best source
        for it; tasks whose prompts transfer well are the ones to learn together.
      </p>
      <TransferForm />
      <MatrixView />
    </section>
  );
}

function TransferForm() {
  const transfer = useStudioStore((state) => state.transfer);
  const tasks = useStudioStore((state) => state.studioTasks.list);
  const setOptions = useStudioStore((state) => state.setTransferOptions);
  const compute = useStudioStore((state) => state.computeTransfer);
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  const ids = { method: useId(), shots: useId(), seed: useId(), epochs: useId(), tasksHint: useId() };
  const { taskIds, method, shots, seed, epochs, run, error } = transfer;
  const grouping = Object.values(transfer.grouped).some((g) => g.running);
  const busy = run !== null || grouping;
  const defaultEpochs = methodEntry(method).training?.epochs ?? 1;
  const toggle = (id: string, on: boolean) =>
    setOptions({ taskIds: on ? [...taskIds, id] : taskIds.filter((t) => t !== id) });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void compute();
  };
  const whole = (value: string, min: number) => {
    const n = Number(value);
    return Number.isInteger(n) && n >= min ? n : null;
  };
  return (
    <form className="card transfer-form" onSubmit={onSubmit} aria-labelledby="transfer-form-title">
      <h3 id="transfer-form-title">Compute a matrix</h3>
      <fieldset className="transfer-tasks" disabled={busy} aria-describedby={ids.tasksHint}>
        <legend>Tasks</legend>
        {tasks.length === 0 ? (
          <p className="muted">No tasks yet: add some, or load demo packs, in the Tasks panel.</p>
        ) : (
          <ul>
            {tasks.map((task) => (
              <li key={task.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={taskIds.includes(task.id)}
                    onChange={(event) => toggle(task.id, event.target.checked)}
                  />
                  {task.name} <span className="muted">({task.classes.length} classes)</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        <p id={ids.tasksHint} className="field-hint">
          {taskIds.length} chosen: at least two, three or more to see which help which. The matrix has one row
          and one column per task.
        </p>
      </fieldset>
      <div className="transfer-settings">
        <label htmlFor={ids.method}>Method</label>
        <select
          id={ids.method}
          value={method}
          disabled={busy}
          onChange={(event) => setOptions({ method: event.target.value as MethodId })}
        >
          {TRANSFER_METHODS.map((d) => (
            <option key={d.id} value={d.id}>
              {d.title}
            </option>
          ))}
        </select>
        <label htmlFor={ids.shots}>Shots per class</label>
        <input
          id={ids.shots}
          type="number"
          min={1}
          step={1}
          value={shots}
          disabled={busy}
          onChange={(event) => setOptions({ shots: whole(event.target.value, 1) ?? shots })}
        />
        <label htmlFor={ids.seed}>Seed</label>
        <input
          id={ids.seed}
          type="number"
          min={0}
          step={1}
          value={seed}
          disabled={busy}
          onChange={(event) => setOptions({ seed: whole(event.target.value, 0) ?? seed })}
        />
        <label htmlFor={ids.epochs}>Epochs</label>
        <input
          id={ids.epochs}
          type="number"
          min={1}
          step={1}
          value={epochs ?? ''}
          placeholder={`${defaultEpochs} (paper default)`}
          disabled={busy}
          onChange={(event) =>
            setOptions({ epochs: event.target.value === '' ? null : whole(event.target.value, 1) })
          }
        />
      </div>
      <div className="controls">
        <button type="submit" disabled={!modelReady || busy || taskIds.length < 2}>
          Compute matrix
        </button>
        <RunControls />
      </div>
      <RunStatus />
      {error && (
        <p className="notice notice-error" role="alert">
          Transfer failed: {error}
        </p>
      )}
    </form>
  );
}

function RunControls() {
  const run = useStudioStore((state) => state.transfer.run);
  const grouping = useStudioStore((state) => Object.values(state.transfer.grouped).some((g) => g.running));
  const shown = useShownMatrix();
  const cancel = useStudioStore((state) => state.cancelTransfer);
  const resume = useStudioStore((state) => state.resumeTransfer);
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  return (
    <>
      <button type="button" disabled={(!run && !grouping) || run?.cancelling} onClick={() => void cancel()}>
        {run?.cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
      <button
        type="button"
        disabled={!modelReady || run !== null || grouping || !shown || shown.complete}
        onClick={() => void resume()}
        title="Continue the shown matrix: its measured cells and trained prompts are kept"
      >
        Resume
      </button>
    </>
  );
}

function stepText(step: TransferStep | null): string {
  if (!step) return 'Waiting for the engine…';
  switch (step.phase) {
    case 'features':
      return `Encoding images for ${step.source}: ${step.done} of ${step.total}`;
    case 'training':
      return `Training the prompt on ${step.source}: ${trainingText(step)}`;
    case 'measuring':
      return `Applying the prompt trained on ${step.source} to the tasks`;
  }
}

function trainingText(progress: Extract<TrainingProgress, { phase: 'training' }>): string {
  return `epoch ${progress.epoch + 1} of ${progress.epochs}, step ${progress.step + 1} of ${progress.stepsPerEpoch}`;
}

function RunStatus() {
  const run = useStudioStore((state) => state.transfer.run);
  const storageError = useStudioStore((state) => state.transfer.storageError);
  return (
    <>
      <div role="status" className="transfer-status" data-testid="transfer-status">
        {run && (
          <p className="run-progress">
            <progress value={run.cellsDone} max={run.cellsTotal} aria-label="Matrix cells measured" />
            <span data-testid="transfer-cells" data-done={run.cellsDone} data-total={run.cellsTotal}>
              {run.cellsDone} of {run.cellsTotal} cells
            </span>
            <span className="muted">
              {run.cancelling ? 'Cancelling after this step…' : stepText(run.step)}
            </span>
          </p>
        )}
      </div>
      {storageError && (
        <p className="notice notice-error" role="alert">
          The matrix could not be stored: {storageError}
        </p>
      )}
    </>
  );
}

function useShownMatrix(): StoredMatrix | undefined {
  return useStudioStore((state) => state.transfer.matrices?.find((m) => m.id === state.transfer.shownId));
}

function matrixLabel(matrix: StoredMatrix): string {
  const measured = matrix.accuracy.flat().filter((v) => v !== null).length;
  const title = methodEntry(matrix.method).title;
  return (
    `${title} · ${matrix.tasks.join(', ')} · ${matrix.shots}-shot seed ${matrix.seed} · ` +
    `${measured}/${matrix.tasks.length ** 2} cells · ${new Date(matrix.createdAt).toLocaleString()}`
  );
}

function MatrixView() {
  const matrices = useStudioStore((state) => state.transfer.matrices);
  const shown = useShownMatrix();
  const show = useStudioStore((state) => state.showTransferMatrix);
  const id = useId();
  if (matrices === null) return <p className="muted">Reading the stored matrices…</p>;
  if (!shown) return <p className="muted">No matrix yet: choose tasks and compute one.</p>;
  return (
    <section
      className="card transfer-matrix"
      aria-labelledby="transfer-matrix-title"
      data-testid="transfer-matrix"
    >
      <div className="transfer-matrix-header">
        <h3 id="transfer-matrix-title">Transferability</h3>
        <label htmlFor={id}>Matrix shown</label>
        <select id={id} value={shown.id} onChange={(event) => show(event.target.value)}>
          {matrices.map((m) => (
            <option key={m.id} value={m.id}>
              {matrixLabel(m)}
            </option>
          ))}
        </select>
        <ExportButtons matrix={shown} />
      </div>
      <p className="muted" data-testid="transfer-matrix-state" data-complete={String(shown.complete)}>
        {shown.complete
          ? 'Every cell measured.'
          : 'Some cells are not measured yet (hatched): Resume continues from the last finished cell.'}
      </p>
      <MatrixHeatmap matrix={shown} />
      <Suggestions matrix={shown} />
    </section>
  );
}

function MatrixHeatmap({ matrix }: { matrix: StoredMatrix }) {
  const selected = useStudioStore((state) => state.transfer.selected);
  const select = useStudioStore((state) => state.selectTransferCell);
  const matrixData = transferMatrix(matrix);
  const detail =
    selected && selected.s < matrix.tasks.length && selected.t < matrix.tasks.length
      ? cellDetail(matrixData, selected.s, selected.t)
      : null;
  return (
    <div className="transfer-heatmap-row">
      <TransferHeatmap matrix={matrixData} selected={selected} onOpen={select} />
      {detail && (
        <CellDetails key={`${selected?.s},${selected?.t}`} detail={detail} onClose={() => select(null)} />
      )}
    </div>
  );
}

function ExportButtons({ matrix }: { matrix: StoredMatrix }) {
  const model = useStudioStore((state) => state.model.loaded?.summary.id ?? null);
  const stem = fileStem(
    `transfer ${matrix.method} ${matrix.tasks.join(' ')} ${matrix.shots}-shot seed ${matrix.seed}`,
  );
  return (
    <div className="export-buttons">
      <button
        type="button"
        onClick={() =>
          saveFile(new Blob([matrixExport(matrix, model)], { type: 'application/json' }), `${stem}.json`)
        }
      >
        Export JSON
      </button>
      <button
        type="button"
        title="The normalised matrix, one row per source"
        onClick={() =>
          saveFile(
            new Blob([matrixCsv(matrix.tasks, matrix.normalised)], { type: 'text/csv' }),
            `${stem}.csv`,
          )
        }
      >
        Export CSV
      </button>
    </div>
  );
}

function Suggestions({ matrix }: { matrix: StoredMatrix }) {
  const suggestions = matrixSuggestions(matrix);
  if (suggestions.length === 0) return null;
  return (
    <section className="transfer-suggestions" aria-labelledby="suggestions-title">
      <h3 id="suggestions-title">Suggested groups</h3>
      <p className="muted">
        MVLPT learns each target with the sources whose prompts do best on it: its best one (top-1) or two
        (top-2). A grouped run trains one prompt on the group's tasks together, from the method's own start,
        with the matrix's shots, seed and epochs; compare with the target alone, the matrix's diagonal.
      </p>
      <table className="data-table suggestions-table">
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col" className="numeric">
              Alone
            </th>
            <th scope="col">Top-1 group</th>
            <th scope="col">Top-2 group</th>
          </tr>
        </thead>
        <tbody>
          {suggestions.map((suggestion) => (
            <SuggestionRow key={suggestion.target} matrix={matrix} suggestion={suggestion} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SuggestionRow({ matrix, suggestion }: { matrix: StoredMatrix; suggestion: GroupSuggestion }) {
  const t = matrix.tasks.indexOf(suggestion.target);
  const alone = matrix.accuracy[t]?.[t] ?? null;
  return (
    <tr data-testid="suggestion" data-target={suggestion.target}>
      <th scope="row">{suggestion.target}</th>
      <td className="numeric">{alone === null ? '—' : percent(alone)}</td>
      <td>
        <GroupCell matrix={matrix} target={suggestion.target} group={suggestion.top1} size="top-1" />
      </td>
      <td>
        <GroupCell matrix={matrix} target={suggestion.target} group={suggestion.top2} size="top-2" />
      </td>
    </tr>
  );
}

function GroupCell({
  matrix,
  target,
  group,
  size,
}: {
  matrix: StoredMatrix;
  target: string;
  group: string[];
  size: string;
}) {
  const key = groupKey(matrix.id, group);
  const grouped = useStudioStore((state) => state.transfer.grouped[key]);
  const busy = useStudioStore(
    (state) => state.transfer.run !== null || Object.values(state.transfer.grouped).some((g) => g.running),
  );
  const runGroup = useStudioStore((state) => state.runGroupedAdaptation);
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  return (
    <div className="group-cell" data-testid="group" data-group={group.join('+')}>
      <span className="group-name">{group.join(' + ')}</span>
      <button
        type="button"
        disabled={!modelReady || busy}
        aria-label={`Run grouped adaptation of ${group.join(', ')} (${size} group for ${target})`}
        onClick={() => void runGroup(target, group)}
      >
        Run grouped adaptation
      </button>
      {grouped && <GroupedOutcome run={grouped} />}
    </div>
  );
}

function GroupedOutcome({ run }: { run: GroupedRun }) {
  if (run.running) {
    const { progress } = run;
    return (
      <p className="muted" role="status">
        {!progress
          ? 'Waiting for the engine…'
          : progress.phase === 'features'
            ? `Encoding images: ${progress.done} of ${progress.total}`
            : `Training together: ${trainingText(progress)}`}
      </p>
    );
  }
  if (run.error)
    return (
      <p className="notice notice-error" role="alert">
        Grouped adaptation failed: {run.error}
      </p>
    );
  if (!run.result) return null;
  if (run.result.status === 'cancelled') return <p className="muted">Cancelled.</p>;
  return (
    <ul className="grouped-result" data-testid="grouped-result">
      {run.result.targets.map((t) => (
        <li
          key={t.task}
          data-task={t.task}
          data-accuracy={t.accuracy}
          className={t.task === run.target ? 'is-target' : ''}
        >
          {t.task}: {percent(t.accuracy)}
        </li>
      ))}
    </ul>
  );
}
