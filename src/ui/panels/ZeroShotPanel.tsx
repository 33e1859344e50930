import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ZeroShotResult } from '../../../workers/clip-api';
import { fillTemplate } from '../../clip/zero-shot';
import { useStudioStore } from '../../store/studio-store';
import { percent } from '../format';
import './ZeroShotPanel.css';

/** CLIP with no training: each class becomes a sentence, each image goes to the closest sentence. */
export function ZeroShotPanel() {
  const loadTasks = useStudioStore((state) => state.loadZeroShotTasks);
  useEffect(() => {
    void loadTasks();
  }, [loadTasks]);
  return (
    <section className="panel" aria-labelledby="zero-shot-panel-title">
      <h2 id="zero-shot-panel-title">Zero-shot</h2>
      <p className="panel-intro">
        The frozen model with hand-written prompts, before any tuning: every class name goes into the
        template, and each test image takes the class whose sentence its embedding is closest to.
      </p>
      <ZeroShotForm />
      <ZeroShotResults />
    </section>
  );
}

function templateProblem(template: string): string | null {
  try {
    fillTemplate(template, 'x');
    return null;
  } catch {
    return 'The template needs {} where the class name goes.';
  }
}

function ZeroShotForm() {
  const zeroShot = useStudioStore((state) => state.zeroShot);
  const setOptions = useStudioStore((state) => state.setZeroShotOptions);
  const run = useStudioStore((state) => state.runZeroShot);
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  const modelId = useStudioStore((state) => state.model.loaded?.summary.id);
  const ids = { task: useId(), description: useId(), template: useId(), hint: useId(), runtime: useId() };
  const { tasks, tasksError, task, template, runtime, running, progress, error } = zeroShot;
  const info = tasks?.find((t) => t.name === task);
  const problem = templateProblem(template);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!problem) void run();
  };
  return (
    <form className="card zero-shot-form" onSubmit={onSubmit} aria-labelledby="zero-shot-form-title">
      <h3 id="zero-shot-form-title">Run</h3>
      {tasksError && (
        <p className="notice notice-error" role="alert">
          The task packs did not load: {tasksError}
        </p>
      )}
      <div className="form-grid">
        <label htmlFor={ids.task}>Task</label>
        <div>
          <select
            id={ids.task}
            value={task}
            disabled={!tasks || running}
            aria-describedby={ids.description}
            onChange={(event) => setOptions({ task: event.target.value })}
          >
            {(tasks ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.title} ({t.classes.length} classes)
              </option>
            ))}
          </select>
          <p id={ids.description} className="field-hint">
            {info
              ? `${info.description} Classes: ${info.classes.join(', ')}; ${info.testPerClass} test images each.`
              : 'Loading the task packs…'}
          </p>
        </div>

        <label htmlFor={ids.template}>Prompt template</label>
        <div>
          <input
            id={ids.template}
            type="text"
            value={template}
            disabled={running}
            spellCheck={false}
            aria-invalid={problem !== null}
            aria-describedby={ids.hint}
            onChange={(event) => setOptions({ template: event.target.value })}
          />
          <p id={ids.hint} className={problem ? 'field-hint fail' : 'field-hint'}>
            {problem ??
              `{} becomes each class name: “${info ? fillTemplate(template, info.classes[0] ?? '') : ''}”`}
          </p>
        </div>

        <span id={ids.runtime}>Towers on</span>
        <fieldset className="runtime-choice" aria-labelledby={ids.runtime} disabled={running}>
          <label>
            <input
              type="radio"
              name="runtime"
              value="engine"
              checked={runtime === 'engine'}
              onChange={() => setOptions({ runtime: 'engine' })}
            />
            Our engine (its WebGPU kernels)
          </label>
          <label>
            <input
              type="radio"
              name="runtime"
              value="onnxruntime"
              checked={runtime === 'onnxruntime'}
              onChange={() => setOptions({ runtime: 'onnxruntime' })}
            />
            onnxruntime-web (the exported graphs)
          </label>
        </fieldset>
      </div>
      <div className="controls">
        <button type="submit" disabled={!modelReady || !info || running || problem !== null}>
          {running ? 'Running…' : 'Run zero-shot'}
        </button>
        <span className="muted">{modelId ? `Model: ${modelId}` : 'Waiting for the model…'}</span>
      </div>
      <div role="status" className="zero-shot-status">
        {running && <RunProgress stage={progress?.stage} done={progress?.done} total={progress?.total} />}
      </div>
      {error && (
        <p className="notice notice-error" role="alert">
          Zero-shot failed: {error}
        </p>
      )}
    </form>
  );
}

function RunProgress({ stage, done, total }: { stage?: string; done?: number; total?: number }) {
  if (stage === undefined || total === undefined) return <p>Waiting for the engine…</p>;
  if (stage === 'texts') return <p>Encoding the {total} class prompts…</p>;
  return (
    <p className="run-progress">
      <progress value={done} max={total} aria-label="Test images encoded" /> Encoding test images: {done} of{' '}
      {total}
    </p>
  );
}

function ZeroShotResults() {
  const result = useStudioStore((state) => state.zeroShot.result);
  const running = useStudioStore((state) => state.zeroShot.running);
  if (!result) return null;
  return (
    <div className="zero-shot-results" aria-busy={running}>
      <div className="results-grid">
        <AccuracyCard result={result} />
        <PerClassCard result={result} />
      </div>
      <PredictionGrid result={result} />
    </div>
  );
}

function AccuracyCard({ result }: { result: ZeroShotResult }) {
  const images = result.predictions.length;
  return (
    <section className="card" aria-labelledby="accuracy-title">
      <h3 id="accuracy-title">Accuracy</h3>
      <p className="accuracy-figure" data-testid="zero-shot-accuracy" data-top1={result.top1}>
        {percent(result.top1)}
      </p>
      <p>
        {result.correct} of {images} test images of <strong>{result.task.title}</strong>; chance is{' '}
        {percent(1 / result.task.classes.length)}.
      </p>
      <dl className="facts">
        <div className="fact">
          <dt>Template</dt>
          <dd>
            <code>{result.template}</code>
          </dd>
        </div>
        <div className="fact">
          <dt>Model</dt>
          <dd>{result.model}</dd>
        </div>
        <div className="fact">
          <dt>Towers on</dt>
          <dd data-testid="zero-shot-runtime">{result.runtime}</dd>
        </div>
        <div className="fact">
          <dt>Time</dt>
          <dd>{result.seconds.toFixed(1)} s</dd>
        </div>
      </dl>
    </section>
  );
}

function PerClassCard({ result }: { result: ZeroShotResult }) {
  return (
    <section className="card" aria-labelledby="per-class-title">
      <h3 id="per-class-title">Per class</h3>
      <table className="data-table per-class-table">
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="numeric">
              Images
            </th>
            <th scope="col" className="numeric">
              Accuracy
            </th>
            <th scope="col">
              <span className="visually-hidden">Bar</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {result.perClass.map((row) => (
            <tr
              key={row.name}
              data-testid="class-accuracy"
              data-class={row.name}
              data-accuracy={row.accuracy}
            >
              <th scope="row">{row.name}</th>
              <td className="numeric">{row.images}</td>
              <td className="numeric">{row.accuracy === null ? '—' : percent(row.accuracy)}</td>
              <td className="bar-cell" aria-hidden="true">
                <span className="bar" style={{ width: `${100 * (row.accuracy ?? 0)}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PredictionGrid({ result }: { result: ZeroShotResult }) {
  const [mistakesOnly, setMistakesOnly] = useState(false);
  const { classes } = result.task;
  const shown = result.predictions.filter((p) => !mistakesOnly || p.top[0]?.label !== p.label);
  return (
    <section className="card" aria-labelledby="predictions-title">
      <div className="predictions-header">
        <div>
          <h3 id="predictions-title">Test images and their top three classes</h3>
          <p className="muted legend">
            Above each list, the image's label: ✓ when the top class is right, ✗ when it is not. The label is
            underlined where it appears in the top three.
          </p>
        </div>
        <label>
          <input type="checkbox" checked={mistakesOnly} onChange={(e) => setMistakesOnly(e.target.checked)} />
          Only mistakes ({result.predictions.length - result.correct})
        </label>
      </div>
      <ul className="prediction-grid">
        {shown.map((prediction) => {
          const correct = prediction.top[0]?.label === prediction.label;
          const truth = classes[prediction.label] ?? '';
          return (
            <li
              key={prediction.url}
              className={correct ? 'prediction correct' : 'prediction wrong'}
              data-testid="prediction"
              data-correct={String(correct)}
            >
              <img src={prediction.url} alt={`Labelled ${truth}`} width={96} height={96} />
              <div className="prediction-text">
                <p className="verdict">
                  <span className={correct ? 'pass' : 'fail'}>{correct ? '✓' : '✗'}</span>{' '}
                  <span className="visually-hidden">{correct ? 'correct;' : 'wrong;'} true class</span>
                  {truth}
                </p>
                <ol className="top-classes">
                  {prediction.top.map(({ label, probability }) => (
                    <li key={label} className={label === prediction.label ? 'is-true' : undefined}>
                      <span className="class-name">{classes[label]}</span>
                      <span className="probability">{percent(probability)}</span>
                    </li>
                  ))}
                </ol>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
