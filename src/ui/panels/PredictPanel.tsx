import { useEffect, useId } from 'react';
import type { PromptSetPrediction } from '../../../workers/prompt-api';
import { DEFAULT_TEMPLATE } from '../../clip/zero-shot';
import type { StoredPromptSet } from '../../persistence/records';
import type { ClassScore } from '../../prompts/predict';
import { useStudioStore } from '../../store/studio-store';
import { FileDropZone } from '../FileDropZone';
import { percent } from '../format';
import './PredictPanel.css';

const TOP_K_CHOICES = [1, 3, 5] as const;

/** One image through every chosen prompt set, each beside zero-shot CLIP over the same classes. */
export function PredictPanel() {
  const loadLibrary = useStudioStore((state) => state.loadLibrary);
  useEffect(() => {
    void loadLibrary();
  }, [loadLibrary]);
  return (
    <section className="panel predict-panel" aria-labelledby="predict-panel-title">
      <h2 id="predict-panel-title">Predict</h2>
      <p className="panel-intro">
        Drop an image to see the classes each saved prompt set gives it, beside what the untuned model says
        with the template “{DEFAULT_TEMPLATE}” over the same classes.
      </p>
      <div className="predict-inputs">
        <ImageCard />
        <PromptSetChoice />
      </div>
      <PredictResults />
    </section>
  );
}

function ImageCard() {
  const image = useStudioStore((state) => state.predict.image);
  const running = useStudioStore((state) => state.predict.running);
  const error = useStudioStore((state) => state.predict.error);
  const size = useStudioStore((state) => state.predict.result?.predictions);
  const setImage = useStudioStore((state) => state.setPredictImage);
  return (
    <section className="card predict-image" aria-labelledby="predict-image-title">
      <h3 id="predict-image-title">Image</h3>
      <FileDropZone
        hint="Drop an image here (PNG, JPEG, WebP, …), or choose one."
        pickers={[{ buttonLabel: 'Choose an image…', inputLabel: 'Image file', accept: 'image/*' }]}
        onFiles={([file]) => {
          if (file) void setImage(file);
        }}
      />
      {image && (
        <figure className="predict-preview">
          <img src={image.url} alt={`To classify: ${image.file.name}`} />
          <figcaption>
            {image.file.name}
            {size && !running && (
              <span className="muted">
                {' '}
                · {size.width} × {size.height} px
              </span>
            )}
          </figcaption>
        </figure>
      )}
      <div role="status" className="predict-status">
        {running && <p>Predicting…</p>}
      </div>
      {error && (
        <p className="notice notice-error" role="alert" data-testid="predict-error">
          This file could not be used: {error}
        </p>
      )}
    </section>
  );
}

function PromptSetChoice() {
  const promptSets = useStudioStore((state) => state.library.promptSets);
  const loaded = useStudioStore((state) => state.library.loaded);
  const excluded = useStudioStore((state) => state.predict.excluded);
  const k = useStudioStore((state) => state.predict.k);
  const setIncluded = useStudioStore((state) => state.setPredictSetIncluded);
  const setTopK = useStudioStore((state) => state.setPredictTopK);
  const topKId = useId();
  const legendId = useId();
  return (
    <section className="card predict-sets" aria-labelledby="predict-sets-title">
      <h3 id="predict-sets-title">Prompt sets</h3>
      {loaded && promptSets.length === 0 ? (
        <p className="muted">
          The Library has no prompt sets yet: train one in Train &amp; compare, or import one in the Library.
        </p>
      ) : (
        <fieldset className="set-choice" aria-labelledby={legendId}>
          <span id={legendId} className="visually-hidden">
            Prompt sets to predict with
          </span>
          {promptSets.map((record) => (
            <label key={record.id}>
              <input
                type="checkbox"
                checked={!excluded.includes(record.id)}
                onChange={(event) => void setIncluded(record.id, event.target.checked)}
              />
              {record.label}
            </label>
          ))}
        </fieldset>
      )}
      <div className="top-k">
        <label htmlFor={topKId}>Classes shown</label>
        <select id={topKId} value={k} onChange={(event) => void setTopK(Number(event.target.value))}>
          {TOP_K_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              Top {choice}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

function PredictResults() {
  const result = useStudioStore((state) => state.predict.result);
  const running = useStudioStore((state) => state.predict.running);
  const promptSets = useStudioStore((state) => state.library.promptSets);
  if (!result) return null;
  if (result.setIds.length === 0)
    return <p className="muted">No prompt set is chosen: tick at least one above.</p>;
  return (
    <div className="predict-results" aria-busy={running}>
      {result.setIds.map((id, i) => {
        const record = promptSets.find((p) => p.id === id);
        const prediction = result.predictions.sets[i];
        return record && prediction ? (
          <SetPrediction key={id} record={record} prediction={prediction} />
        ) : null;
      })}
    </div>
  );
}

function SetPrediction({ record, prediction }: { record: StoredPromptSet; prediction: PromptSetPrediction }) {
  const titleId = useId();
  return (
    <section
      className="card set-prediction"
      aria-labelledby={titleId}
      data-testid="set-prediction"
      data-set-id={record.id}
      data-top1={prediction.top?.[0]?.className}
      data-zero-shot-top1={prediction.zeroShot?.[0]?.className}
    >
      <h3 id={titleId}>{record.label}</h3>
      {prediction.error ? (
        <p className="notice notice-error" role="alert">
          This prompt set could not predict: {prediction.error}
        </p>
      ) : (
        <div className="prediction-columns">
          <ScoreTable title="This prompt set" scores={prediction.top ?? []} testId="set-scores" />
          <ScoreTable title="Zero-shot" scores={prediction.zeroShot ?? []} testId="zero-shot-scores" />
        </div>
      )}
    </section>
  );
}

function ScoreTable({ title, scores, testId }: { title: string; scores: ClassScore[]; testId: string }) {
  return (
    <table className="data-table score-table" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col" className="numeric">
            Rank
          </th>
          <th scope="col">Class</th>
          <th scope="col" className="numeric">
            Probability
          </th>
          <th scope="col">
            <span className="visually-hidden">Bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {scores.map((score, rank) => (
          <tr key={score.label} data-class={score.className} data-probability={score.probability}>
            <td className="numeric">{rank + 1}</td>
            <th scope="row">{score.className}</th>
            <td className="numeric">{percent(score.probability)}</td>
            <td className="bar-cell" aria-hidden="true">
              <span className="bar" style={{ width: `${100 * score.probability}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
