import { useEffect, useState } from 'react';
import type { StoredPromptSet, StoredRun } from '../../persistence/records';
import type { ContextWords } from '../../prompts/text-contexts';
import { type ContextWordsState, type ExportedFile, NEAREST_WORDS } from '../../store/library-slice';
import { useStudioStore } from '../../store/studio-store';
import { FileDropZone } from '../FileDropZone';
import { asSentence, count, percent } from '../format';
import { saveFile } from '../save-file';
import './LibraryPanel.css';

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const formatDate = (ms: number) => dateFormat.format(new Date(ms));

/** Saved prompt sets and runs: what training kept, what was imported, and the way out of the studio. */
export function LibraryPanel() {
  const loadLibrary = useStudioStore((state) => state.loadLibrary);
  const loadError = useStudioStore((state) => state.library.loadError);
  useEffect(() => {
    void loadLibrary();
  }, [loadLibrary]);
  return (
    <section className="panel library-panel" aria-labelledby="library-panel-title">
      <h2 id="library-panel-title">Library</h2>
      <p className="panel-intro">
        Prompt sets are the learned tensors of a trained method, kept in this browser. Export them as JSON to
        load here or in the CLI again, or as safetensors for PyTorch; import one made elsewhere for the same
        model.
      </p>
      {loadError && (
        <p className="notice notice-error" role="alert">
          The library could not be read: {loadError}
        </p>
      )}
      <ImportCard />
      <PromptSetsCard />
      <RunsCard />
    </section>
  );
}

function ImportCard() {
  const importing = useStudioStore((state) => state.library.importing);
  const lastImport = useStudioStore((state) => state.library.lastImport);
  const importPromptSets = useStudioStore((state) => state.importPromptSets);
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  const kept = lastImport.filter((outcome) => outcome.error === null);
  return (
    <section className="card library-import" aria-labelledby="library-import-title">
      <h3 id="library-import-title">Import</h3>
      <FileDropZone
        hint={
          <>
            Drop prompt set files (<code>.json</code>, from an export or{' '}
            <code>prompt-studio train --out</code>) here, or choose them. Each is checked against the loaded
            model before it is kept.
          </>
        }
        pickers={[
          {
            buttonLabel: 'Import JSON…',
            inputLabel: 'Prompt set files',
            accept: '.json,application/json',
            multiple: true,
          },
        ]}
        multiple
        disabled={importing || !modelReady}
        onFiles={(files) => void importPromptSets(files)}
      />
      <div role="status" className="import-status">
        {importing && <p>Checking…</p>}
        {!modelReady && <p className="muted">Waiting for the model: imports are checked against it.</p>}
        {kept.map((outcome) => (
          <p key={outcome.file} className="pass" data-testid="import-kept">
            Imported {outcome.file} as {outcome.label}.
          </p>
        ))}
      </div>
      {lastImport
        .filter((outcome) => outcome.error !== null)
        .map((outcome) => (
          <p
            key={outcome.file}
            className="notice notice-error"
            role="alert"
            data-testid="import-refused"
            data-file={outcome.file}
          >
            <strong>{outcome.file}</strong> was not imported: {refusal(outcome.error ?? '')}
          </p>
        ))}
    </section>
  );
}

/** The reason as a sentence, with "nothing stored was changed" unless it says so itself (a storage error does). */
function refusal(reason: string): string {
  const sentence = asSentence(reason);
  return /nothing stored/i.test(reason) ? sentence : `${sentence} Nothing stored was changed.`;
}

function PromptSetsCard() {
  const promptSets = useStudioStore((state) => state.library.promptSets);
  const loaded = useStudioStore((state) => state.library.loaded);
  const actionError = useStudioStore((state) => state.library.actionError);
  return (
    <section className="card library-sets" aria-labelledby="library-sets-title">
      <h3 id="library-sets-title">Prompt sets ({promptSets.length})</h3>
      {actionError && (
        <p className="notice notice-error" role="alert">
          {actionError}
        </p>
      )}
      {loaded && promptSets.length === 0 && (
        <p className="muted">No prompt sets yet: train one in Train &amp; compare, or import a file above.</p>
      )}
      {promptSets.length > 0 && (
        <div className="table-scroll">
          <table className="data-table library-table prompt-sets-table">
            <thead>
              <tr>
                <th scope="col">Prompt set</th>
                <th scope="col">Task</th>
                <th scope="col">Model</th>
                <th scope="col" className="numeric">
                  Test accuracy
                </th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            {promptSets.map((record) => (
              <PromptSetRows key={record.id} record={record} />
            ))}
          </table>
        </div>
      )}
    </section>
  );
}

/** The store makes an export's file; the page hands it to the browser's downloads. */
const save = (file: ExportedFile | null) => {
  if (file) saveFile(file.blob, file.name);
};

/** One set's row, and under it its nearest words when open: a tbody each, so the pair stays together. */
function PromptSetRows({ record }: { record: StoredPromptSet }) {
  const words = useStudioStore((state) => state.library.words[record.id]);
  const toggleWords = useStudioStore((state) => state.toggleNearestWords);
  const exportJson = useStudioStore((state) => state.exportPromptSetJson);
  const exportSafetensors = useStudioStore((state) => state.exportPromptSetSafetensors);
  const deleteSet = useStudioStore((state) => state.deletePromptSet);
  const [confirming, setConfirming] = useState(false);
  const wordsId = `words-${record.id}`;
  const named = <span className="visually-hidden"> of {record.label}</span>;
  return (
    <tbody data-testid="prompt-set" data-id={record.id} data-method={record.method} data-task={record.task}>
      <tr>
        <th scope="row">
          {record.label}
          {record.runId === null && <span className="origin">imported</span>}
        </th>
        <td>
          {record.task}
          <span className="sub">{record.classes.length} classes</span>
        </td>
        <td>
          {record.model.id}
          <span className="sub" title={record.model.sha256}>
            sha256 {record.model.sha256.slice(0, 12)}…
          </span>
        </td>
        <td className="numeric" data-testid="test-accuracy">
          {record.testAccuracy === null ? '—' : percent(record.testAccuracy)}
        </td>
        <td className="date">{formatDate(record.createdAt)}</td>
        <td className="actions">
          <button type="button" className="button-secondary" onClick={() => save(exportJson(record.id))}>
            Export JSON{named}
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => void exportSafetensors(record.id).then(save)}
          >
            Export safetensors{named}
          </button>
          <button
            type="button"
            className="button-secondary"
            aria-expanded={words !== undefined}
            aria-controls={wordsId}
            onClick={() => void toggleWords(record.id)}
          >
            Words{named}
          </button>
          {confirming ? (
            <>
              <button type="button" className="button-danger" onClick={() => void deleteSet(record.id)}>
                Confirm delete{named}
              </button>
              <button type="button" className="button-secondary" onClick={() => setConfirming(false)}>
                Keep{named}
              </button>
            </>
          ) : (
            <button type="button" className="button-secondary" onClick={() => setConfirming(true)}>
              Delete{named}
            </button>
          )}
        </td>
      </tr>
      {words && (
        <tr className="words-row">
          <td colSpan={6} id={wordsId}>
            <NearestWords state={words} />
          </td>
        </tr>
      )}
    </tbody>
  );
}

function NearestWords({ state }: { state: ContextWordsState }) {
  if (state.loading) return <p role="status">Finding the nearest words…</p>;
  if (state.error)
    return (
      <p className="notice notice-error" role="alert">
        The nearest words could not be computed: {state.error}
      </p>
    );
  const contexts = state.contexts ?? [];
  if (contexts.length === 0)
    return (
      <p className="muted" data-testid="no-text-context">
        This method learns no text context among the word embeddings, so there are no words to show.
      </p>
    );
  return (
    <div className="nearest-words" data-testid="nearest-words">
      <p className="muted">
        Each learned context vector and the {NEAREST_WORDS} vocabulary tokens nearest to it (Euclidean
        distance in the token-embedding space, as CoOp reads its prompts). Large distances mean the vector is
        far from every real word.
      </p>
      {contexts.map((context) => (
        <ContextTable key={context.title} context={context} />
      ))}
    </div>
  );
}

function ContextTable({ context }: { context: ContextWords }) {
  return (
    <table className="data-table words-table">
      <caption>
        Context {context.title}: “{context.positions.map((row) => row[0]?.word ?? '?').join(' ')}”
      </caption>
      <thead>
        <tr>
          <th scope="col" className="numeric">
            Position
          </th>
          {Array.from({ length: context.positions[0]?.length ?? 0 }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are ranks
            <th key={i} scope="col">
              {i === 0 ? 'Nearest word (distance)' : `${i + 1}${i === 1 ? 'nd' : i === 2 ? 'rd' : 'th'}`}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {context.positions.map((row, position) => (
          <tr
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are context positions
            key={position}
            data-testid="context-position"
            data-word={row[0]?.word}
            data-distance={row[0]?.distance}
          >
            <th scope="row" className="numeric">
              {position + 1}
            </th>
            {row.map((word) => (
              <td key={word.id}>
                <span className="word">{word.word}</span>{' '}
                <span className="distance">{word.distance.toFixed(3)}</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunsCard() {
  const runs = useStudioStore((state) => state.library.runs);
  const promptSets = useStudioStore((state) => state.library.promptSets);
  const loaded = useStudioStore((state) => state.library.loaded);
  const labelOf = (run: StoredRun) =>
    run.promptSetId === null ? '—' : (promptSets.find((p) => p.id === run.promptSetId)?.label ?? 'deleted');
  return (
    <section className="card library-runs" aria-labelledby="library-runs-title">
      <h3 id="library-runs-title">Runs ({runs.length})</h3>
      {loaded && runs.length === 0 && (
        <p className="muted">No runs yet: the runs of Train &amp; compare are kept here when they end.</p>
      )}
      {runs.length > 0 && (
        <div className="table-scroll">
          <table className="data-table library-table">
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Tasks</th>
                <th scope="col" className="numeric">
                  Shots
                </th>
                <th scope="col" className="numeric">
                  Seed
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Test accuracy
                </th>
                <th scope="col" className="numeric">
                  Parameters
                </th>
                <th scope="col" className="numeric">
                  Time
                </th>
                <th scope="col">Finished</th>
                <th scope="col">Prompt set</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-testid="run" data-id={run.id}>
                  <th scope="row">{run.method}</th>
                  <td>{run.tasks.join(', ')}</td>
                  <td className="numeric">{run.shots}</td>
                  <td className="numeric">{run.seed}</td>
                  <td>
                    <span
                      className={run.status === 'completed' ? 'pass' : run.status === 'failed' ? 'fail' : ''}
                    >
                      {run.status}
                    </span>
                    {run.error && <span className="sub">{run.error}</span>}
                  </td>
                  <td className="numeric">{run.testAccuracy === null ? '—' : percent(run.testAccuracy)}</td>
                  <td className="numeric">{count(run.trainableParameters)}</td>
                  <td className="numeric">{run.seconds.toFixed(0)} s</td>
                  <td className="date">{formatDate(run.createdAt)}</td>
                  <td>{labelOf(run)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
