import { useEffect, useId } from 'react';
import type { LoadedModel, ModelSource } from '../../../workers/clip-api';
import type { ClipParityReport } from '../../clip/parity';
import { HUB_MODELS, type ModelLoad } from '../../store/model-slice';
import { useStudioStore } from '../../store/studio-store';
import { FileDropZone, type FilePicker } from '../FileDropZone';
import { count, formatBytes, formatError } from '../format';
import './ModelPanel.css';

/** The frozen CLIP the studio works with: where it came from, its shape, what runs it, and its parity. */
export function ModelPanel() {
  return (
    <section className="panel" aria-labelledby="model-panel-title">
      <h2 id="model-panel-title">Model</h2>
      <p className="panel-intro">
        The frozen CLIP that prompts are tuned for: the embedded tiny CLIP, a Hugging Face Hub export, or your
        own files in the same layout.
      </p>
      <div className="model-grid">
        <ModelCard />
        <SourcesCard />
      </div>
      <ParityCard />
    </section>
  );
}

function ModelCard() {
  const { loaded, loading, error } = useStudioStore((state) => state.model);
  return (
    <section className="card" aria-labelledby="model-in-use-title">
      <h3 id="model-in-use-title">Model in use</h3>
      {loading && <LoadProgress loading={loading} />}
      {error && (
        <p className="notice notice-error" role="alert">
          Loading failed: {error}
          {loaded && ` The model ${loaded.summary.id} is still in use.`}
        </p>
      )}
      {!loaded && !loading && !error && <p className="muted">No model loaded yet.</p>}
      {loaded && <ModelSummaryView model={loaded} />}
    </section>
  );
}

function LoadProgress({ loading }: { loading: ModelLoad }) {
  return (
    <div className="load-progress" role="status" data-testid="model-loading">
      <p>
        Loading {loading.label}
        {loading.files.length === 0 && '…'}
      </p>
      {loading.files.length > 0 && (
        <ul className="file-progress">
          {loading.files.map((file) => (
            <li key={file.file}>
              <span className="file-name">{file.file}</span>
              <progress
                value={file.loaded}
                max={file.total ?? undefined}
                aria-label={`${file.file} downloaded`}
              />
              <span className="file-bytes">
                {formatBytes(file.loaded)}
                {file.total !== null && ` of ${formatBytes(file.total)}`}
                {file.cached && ' (from the browser cache)'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The engine self-test on this GPU in a line; the Engine panel shows it op by op. */
function SelfTestStatusView() {
  const { report, running, error } = useStudioStore((state) => state.selfTest);
  const engineReady = useStudioStore((state) => state.engineStatus === 'ready');
  const run = useStudioStore((state) => state.runSelfTest);
  if (running) return <span className="muted">running every kernel against the CPU reference…</span>;
  if (error) return <span className="fail">did not run: {error}</span>;
  if (report) {
    const passed = report.ops.filter((op) => op.passed).length;
    return (
      <>
        <strong className={report.passed ? 'pass' : 'fail'}>
          {passed} of {report.ops.length} ops passed
        </strong>{' '}
        on this GPU (each op in the Engine panel)
      </>
    );
  }
  return (
    <>
      <span className="muted">not run yet · </span>
      <button
        type="button"
        className="link-button"
        aria-label="Run the engine self-test"
        disabled={!engineReady}
        onClick={() => void run()}
      >
        run it
      </button>
    </>
  );
}

/** onnxruntime-web starts when first used, so a page that never runs it never pays for its WebAssembly. */
function OnnxruntimeStatusView() {
  const status = useStudioStore((state) => state.model.onnxruntime);
  const start = useStudioStore((state) => state.startOnnxruntime);
  switch (status.state) {
    case 'idle':
      return (
        <>
          <span className="muted">starts when first used · </span>
          <button
            type="button"
            className="link-button"
            aria-label="Start onnxruntime-web now"
            onClick={() => void start()}
          >
            start now
          </button>
        </>
      );
    case 'starting':
      return <span className="muted">starting onnxruntime-web…</span>;
    case 'ready':
      return <>{status.backend}</>;
    case 'failed':
      return <span className="fail">did not load: {status.error}</span>;
  }
}

function ModelSummaryView({ model }: { model: LoadedModel }) {
  const { summary } = model;
  const { text, vision } = summary;
  const rows: [string, string, number | string, number | string][] = [
    ['width', 'Width', text.width, vision.width],
    ['layers', 'Layers', text.layers, vision.layers],
    ['heads', 'Attention heads', text.heads, vision.heads],
    ['mlp', 'MLP width', text.mlpWidth, vision.mlpWidth],
    ['tokens', 'Tokens', `${text.contextLength} (context length)`, `${vision.tokens} (patches + class)`],
    ['vocab', 'Vocabulary', count(text.vocabSize), '—'],
    ['image', 'Image size', '—', `${vision.imageSize} px`],
    ['patch', 'Patch size', '—', `${vision.patchSize} px`],
  ];
  return (
    <div data-testid="model-summary" data-model={summary.id}>
      <dl className="facts model-facts">
        <div className="fact">
          <dt>Model</dt>
          <dd>
            <strong>{summary.id}</strong>
          </dd>
        </div>
        <div className="fact">
          <dt>Parameters</dt>
          <dd>
            {formatParameters(summary.parameters)} ({formatBytes(summary.graphBytes)} of ONNX graphs)
          </dd>
        </div>
        <div className="fact">
          <dt>Embedding</dt>
          <dd data-dim="projection">
            {summary.projectionDim} dimensions, temperature ×{summary.logitScale.toFixed(2)}
          </dd>
        </div>
        <div className="fact">
          <dt>Engine</dt>
          <dd data-testid="model-engine">
            {model.engineFallbackReason ? (
              <>
                <span className="fail">CPU fallback</span> ({model.engineFallbackReason})
              </>
            ) : (
              model.engine
            )}
          </dd>
        </div>
        <div className="fact">
          <dt>Self-test</dt>
          <dd data-testid="model-self-test">
            <SelfTestStatusView />
          </dd>
        </div>
        <div className="fact">
          <dt>onnxruntime</dt>
          <dd data-testid="model-onnxruntime">
            <OnnxruntimeStatusView />
          </dd>
        </div>
      </dl>
      <table className="data-table dims-table">
        <caption className="visually-hidden">Dimensions of the text and vision towers</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Dimension</span>
            </th>
            <th scope="col" className="numeric">
              Text
            </th>
            <th scope="col" className="numeric">
              Vision
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, label, textValue, visionValue]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td className="numeric" data-dim={`text-${key}`}>
                {textValue}
              </td>
              <td className="numeric" data-dim={`vision-${key}`}>
                {visionValue}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Built in {model.loadSeconds.toFixed(1)} s.</p>
    </div>
  );
}

function formatParameters(parameters: number): string {
  return parameters >= 1e6 ? `${(parameters / 1e6).toFixed(1)} M` : count(parameters);
}

function SourcesCard() {
  const loading = useStudioStore((state) => state.model.loading !== null);
  const loadModel = useStudioStore((state) => state.loadModel);
  return (
    <section className="card" aria-labelledby="model-sources-title">
      <h3 id="model-sources-title">Load a model</h3>
      <div className="source-list">
        <div className="source">
          <button
            type="button"
            className="button-secondary"
            disabled={loading}
            onClick={() => void loadModel({ kind: 'embedded' })}
          >
            Embedded tiny CLIP
          </button>
          <span className="muted">Ships with the studio and works offline.</span>
        </div>
        {HUB_MODELS.map((repoId) => (
          <HubSource key={repoId} repoId={repoId} disabled={loading} />
        ))}
      </div>
      <LocalFiles disabled={loading} onFiles={(files) => void loadModel({ kind: 'files', files })} />
    </section>
  );
}

function HubSource({ repoId, disabled }: { repoId: string; disabled: boolean }) {
  const loadModel = useStudioStore((state) => state.loadModel);
  const refreshHubCache = useStudioStore((state) => state.refreshHubCache);
  const cache = useStudioStore((state) => state.model.hubCache[repoId]);
  const statusId = useId();
  useEffect(() => {
    void refreshHubCache(repoId);
  }, [refreshHubCache, repoId]);
  let status = 'Downloads about 600 MB once from huggingface.co, then loads from the browser cache.';
  if (cache && cache.cachedFiles === cache.files)
    status = `In the browser cache (${formatBytes(cache.bytes)}).`;
  else if (cache && cache.cachedFiles > 0)
    status = `${cache.cachedFiles} of ${cache.files} files in the browser cache; the rest downloads.`;
  const source: ModelSource = { kind: 'hub', repoId };
  return (
    <div className="source" data-testid="hub-source" data-repo={repoId}>
      <button
        type="button"
        className="button-secondary"
        disabled={disabled}
        aria-describedby={statusId}
        onClick={() => void loadModel(source)}
      >
        {repoId}
      </button>
      <span id={statusId} className="muted">
        {status}
      </span>
    </div>
  );
}

/** Dropping a folder is a shortcut: the two buttons do the same from the keyboard. */
const MODEL_PICKERS: readonly FilePicker[] = [
  { buttonLabel: 'Choose a folder…', inputLabel: 'Model folder', directory: true },
  { buttonLabel: 'Choose files…', inputLabel: 'Model files', multiple: true },
];

function LocalFiles({ disabled, onFiles }: { disabled: boolean; onFiles: (files: File[]) => void }) {
  return (
    <FileDropZone
      hint={
        <>
          <strong>Your own CLIP:</strong> drop its folder here, or choose it. It needs the Hub layout:{' '}
          <code>config.json</code>, <code>preprocessor_config.json</code>, <code>tokenizer.json</code>,{' '}
          <code>onnx/text_model.onnx</code>, <code>onnx/vision_model.onnx</code>.
        </>
      }
      pickers={MODEL_PICKERS}
      multiple
      disabled={disabled}
      onFiles={onFiles}
    />
  );
}

function ParityCard() {
  const parity = useStudioStore((state) => state.model.parity);
  const checkParity = useStudioStore((state) => state.checkParity);
  const engineReady = useStudioStore((state) => state.engineStatus === 'ready');
  const { running, report, error } = parity;
  const state = running ? 'running' : error ? 'error' : report ? 'done' : 'idle';
  return (
    <section
      className="card parity-card"
      aria-labelledby="parity-title"
      data-testid="parity"
      data-state={state}
    >
      <h3 id="parity-title">Parity with PyTorch</h3>
      <p className="muted">
        The embedded model's towers run on the engine and on onnxruntime-web, on the captions and images its
        golden PyTorch embeddings were computed from; the L2-normalised embeddings must agree within 1e-4.
      </p>
      <div className="controls">
        <button type="button" onClick={() => void checkParity()} disabled={!engineReady || running}>
          {running ? 'Checking…' : 'Check parity'}
        </button>
      </div>
      <p role="status" className="parity-status">
        {running && 'Running both towers three ways… it waits for any engine work already started.'}
        {!running && report && <ParitySummary report={report} />}
      </p>
      {error && (
        <p className="notice notice-error" role="alert">
          The parity check failed to run: {error}
        </p>
      )}
      {report && <ParityTable report={report} stale={running} />}
    </section>
  );
}

function ParitySummary({ report }: { report: ClipParityReport }) {
  return (
    <>
      <strong className={report.passed ? 'pass' : 'fail'}>
        {report.passed ? 'Parity holds' : 'Parity fails'}
      </strong>{' '}
      on {report.texts} texts and {report.images} images: {report.engine} in{' '}
      {report.seconds.engine.toFixed(1)} s, {report.onnxruntime} in {report.seconds.onnxruntime.toFixed(1)} s.
    </>
  );
}

function ParityTable({ report, stale }: { report: ClipParityReport; stale: boolean }) {
  return (
    <div className="table-scroll">
      <table className="data-table" aria-busy={stale}>
        <caption className="visually-hidden">
          Largest difference of the normalised embeddings, per pair
        </caption>
        <thead>
          <tr>
            <th scope="col">Compared</th>
            <th scope="col" className="numeric">
              Text max |Δ|
            </th>
            <th scope="col" className="numeric">
              Image max |Δ|
            </th>
            <th scope="col">Within {formatError(report.tolerance)}</th>
          </tr>
        </thead>
        <tbody>
          {report.pairs.map((pair) => (
            <tr
              key={pair.id}
              data-testid="parity-row"
              data-pair={pair.id}
              data-text={pair.text}
              data-image={pair.image}
              data-passed={String(pair.passed)}
            >
              <th scope="row">{pair.label}</th>
              <td className="numeric">{formatError(pair.text)}</td>
              <td className="numeric">{formatError(pair.image)}</td>
              <td className="result">
                <span className={pair.passed ? 'pass' : 'fail'}>{pair.passed ? '✓ pass' : '✗ fail'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
