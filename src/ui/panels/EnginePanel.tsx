import { useEffect } from 'react';
import type { EngineDescription } from '../../../workers/engine.worker';
import type { OpReport, SelfTestReport } from '../../engine/check/self-test';
import type { GpuLimits } from '../../engine/gpu/gpu-backend';
import { useStudioStore } from '../../store/studio-store';
import { count, formatBytes, formatError } from '../format';

/** The WebGPU device the studio trains on, and proof that every kernel on it matches the CPU reference. */
export function EnginePanel() {
  return (
    <section className="panel" aria-labelledby="engine-panel-title">
      <h2 id="engine-panel-title">Engine</h2>
      <p className="panel-intro">
        The GPU the studio computes on, and a self-test of every kernel against the CPU reference.
      </p>
      <div className="engine-grid">
        <AdapterCard />
        <LimitsCard />
      </div>
      <SelfTestCard />
    </section>
  );
}

function AdapterCard() {
  const status = useStudioStore((state) => state.engineStatus);
  const engine = useStudioStore((state) => state.engine);
  const error = useStudioStore((state) => state.engineError);
  return (
    <section className="card" aria-labelledby="adapter-title">
      <h3 id="adapter-title">Adapter</h3>
      {status === 'error' && (
        <p className="notice notice-error" role="alert">
          The engine did not start: {error}
        </p>
      )}
      {(status === 'idle' || status === 'loading') && <p role="status">Opening the GPU…</p>}
      {engine && <AdapterDetails engine={engine} />}
    </section>
  );
}

function AdapterDetails({ engine }: { engine: EngineDescription }) {
  if (engine.kind === 'wasm') {
    return (
      <div className="notice notice-warning" role="status" data-testid="engine-backend" data-kind="wasm">
        <p>
          <strong>WebGPU is unavailable, so the engine runs on WebAssembly on the CPU.</strong>
        </p>
        <p>Why: {engine.fallbackReason}.</p>
        <p>
          {engine.simd === 'relaxed' ? 'Relaxed SIMD (fused multiply-add)' : '128-bit SIMD'},{' '}
          {engine.threads === 1 ? 'one thread' : `${engine.threads} threads`},{' '}
          {engine.sharedMemory ? 'shared memory' : 'one fixed memory (the page is not cross-origin isolated)'}
          . A browser with WebGPU trains faster, on your GPU.
        </p>
      </div>
    );
  }
  if (engine.kind === 'cpu') {
    return (
      <div className="notice notice-warning" role="status" data-testid="engine-backend" data-kind="cpu">
        <p>
          <strong>WebGPU is unavailable, so the engine runs on the CPU fallback.</strong>
        </p>
        <p>Why: {engine.fallbackReason}.</p>
        <p>
          Results are the same, but training is far slower. A browser with WebGPU (a recent Chrome, Edge,
          Safari or Firefox) uses your GPU instead.
        </p>
      </div>
    );
  }
  const { adapter } = engine;
  const rows: [string, string][] = [
    ['Backend', 'WebGPU'],
    ['Vendor', adapter.vendor],
    ['Architecture', adapter.architecture],
    ['Device', adapter.device],
    ['Description', adapter.description],
    ['Fallback adapter', adapter.isFallbackAdapter ? 'yes (software or reduced-capability)' : 'no'],
  ];
  return (
    <dl className="facts" data-testid="engine-backend" data-kind="webgpu">
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value || <span className="muted">not reported</span>}</dd>
        </div>
      ))}
    </dl>
  );
}

const LIMIT_LABELS: Record<keyof GpuLimits, { label: string; bytes: boolean }> = {
  maxBufferSize: { label: 'Largest buffer', bytes: true },
  maxStorageBufferBindingSize: { label: 'Largest storage binding', bytes: true },
  maxComputeWorkgroupStorageSize: { label: 'Workgroup shared memory', bytes: true },
  maxComputeInvocationsPerWorkgroup: { label: 'Invocations per workgroup', bytes: false },
  maxComputeWorkgroupsPerDimension: { label: 'Workgroups per dimension', bytes: false },
  maxStorageBuffersPerShaderStage: { label: 'Storage buffers per stage', bytes: false },
};

function LimitsCard() {
  const engine = useStudioStore((state) => state.engine);
  if (engine?.kind !== 'webgpu') return null;
  const limits = Object.entries(engine.limits) as [keyof GpuLimits, number][];
  return (
    <section className="card" aria-labelledby="limits-title">
      <h3 id="limits-title">Limits</h3>
      <table className="data-table" data-testid="limits">
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col" className="numeric">
              Value
            </th>
          </tr>
        </thead>
        <tbody>
          {limits.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">
                {LIMIT_LABELS[name].label}
                <code className="limit-name">{name}</code>
              </th>
              <td className="numeric">{LIMIT_LABELS[name].bytes ? formatBytes(value) : count(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SelfTestCard() {
  const engineReady = useStudioStore((state) => state.engineStatus === 'ready');
  const selfTest = useStudioStore((state) => state.selfTest);
  const runSelfTest = useStudioStore((state) => state.runSelfTest);
  const setFiniteDifferences = useStudioStore((state) => state.setFiniteDifferences);
  const { report, running, error } = selfTest;
  const state = running ? 'running' : error ? 'error' : report ? 'done' : 'idle';
  // It runs once, when this panel is first looked at rather than with every page load: on a software
  // adapter it holds the GPU for a minute, and someone who came to train should not share it with a check.
  useEffect(() => {
    if (engineReady && state === 'idle') void runSelfTest();
  }, [engineReady, state, runSelfTest]);
  return (
    <section className="card" aria-labelledby="self-test-title" data-testid="self-test" data-state={state}>
      <h3 id="self-test-title">Self-test</h3>
      <div className="controls">
        <button type="button" onClick={() => void runSelfTest()} disabled={!engineReady || running}>
          {running ? 'Running…' : 'Run self-test'}
        </button>
        <label>
          <input
            type="checkbox"
            checked={selfTest.finiteDifferences}
            disabled={running}
            onChange={(event) => setFiniteDifferences(event.target.checked)}
          />
          Also check the CPU reference against finite differences
        </label>
      </div>
      <p role="status" className="self-test-status">
        {running && 'Running every op forward and backward… on a software GPU this can take a minute.'}
        {!running && report && <Summary report={report} />}
      </p>
      {error && (
        <p className="notice notice-error" role="alert">
          The self-test failed to run: {error}
        </p>
      )}
      {report && <OpTable report={report} stale={running} />}
    </section>
  );
}

function Summary({ report }: { report: SelfTestReport }) {
  const passed = report.ops.filter((op) => op.passed).length;
  return (
    <>
      <strong className={report.passed ? 'pass' : 'fail'}>
        {passed} of {report.ops.length} ops passed
      </strong>{' '}
      in {report.seconds.toFixed(1)} s on {report.backend}. Tolerance: within{' '}
      {formatError(report.tolerance.gpu)} of the CPU reference (error scaled by the output's largest value)
      {report.ops.some((op) => op.finiteDifferenceError !== undefined) &&
        `; CPU reference within ${formatError(report.tolerance.finiteDifference)} of finite differences`}
      .
    </>
  );
}

function OpTable({ report, stale }: { report: SelfTestReport; stale: boolean }) {
  const withFiniteDifferences = report.ops.some((op) => op.finiteDifferenceError !== undefined);
  const gpuTolerance = report.tolerance.gpu;
  return (
    <div className="table-scroll">
      <table className="data-table op-table" aria-busy={stale}>
        <caption className="visually-hidden">Self-test result of each op</caption>
        <thead>
          <tr>
            <th scope="col">Op</th>
            <th scope="col" className="numeric">
              Forward error
            </th>
            <th scope="col" className="numeric">
              Backward errors
            </th>
            {withFiniteDifferences && (
              <th scope="col" className="numeric">
                Finite-difference error
              </th>
            )}
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.ops.map((op) => (
            <tr key={op.name} data-testid="op-row" data-op={op.name} data-passed={String(op.passed)}>
              <th scope="row">{op.name}</th>
              <td className="numeric">
                <ErrorValue value={op.forwardError} tolerance={gpuTolerance} />
              </td>
              <td className="numeric">
                {op.backwardErrors.length === 0 && <span className="muted">none</span>}
                {op.backwardErrors.map((value, input) => (
                  // One entry per differentiated input, in input order: the position is the identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders
                  <ErrorValue key={input} value={value} tolerance={gpuTolerance} />
                ))}
              </td>
              {withFiniteDifferences && (
                <td className="numeric">
                  <FiniteDifferenceValue op={op} tolerance={report.tolerance.finiteDifference} />
                </td>
              )}
              <td className="result">
                <span className={op.passed ? 'pass' : 'fail'}>{op.passed ? '✓ pass' : '✗ fail'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FiniteDifferenceValue({ op, tolerance }: { op: OpReport; tolerance: number }) {
  if (op.finiteDifferenceError === undefined) return <span className="muted">not run</span>;
  return <ErrorValue value={op.finiteDifferenceError} tolerance={tolerance} />;
}

function ErrorValue({ value, tolerance }: { value: number; tolerance: number }) {
  const over = !(value <= tolerance);
  return (
    <span className={over ? 'error-value fail' : 'error-value'} title={over ? 'above tolerance' : undefined}>
      {formatError(value)}
    </span>
  );
}
