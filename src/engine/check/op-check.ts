import type { Backend } from '../backend';
import { Random } from '../random';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';

/** How a check input is drawn. `positive` keeps values away from 0 (norms, divisions). */
export interface InputSpec {
  shape: number[];
  init?: 'normal' | 'positive' | { values: number[] };
  /** Whether the op is differentiated with respect to this input (default true). */
  grad?: boolean;
}

/** One op under test: its inputs and how it is applied; used by the unit tests and `check engine`. */
export interface OpCase {
  name: string;
  inputs: InputSpec[];
  forward(tape: Tape, ...inputs: Tensor[]): Tensor;
}

export interface BackendComparison {
  name: string;
  forwardError: number;
  /** One entry per differentiated input, in input order. */
  backwardErrors: number[];
}

export function drawInputs(spec: OpCase, seed: number): Float64Array[] {
  const random = new Random(seed);
  return spec.inputs.map((input) => {
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (input.init && typeof input.init === 'object') return Float64Array.from(input.init.values);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = input.init === 'positive' ? random.uniform(0.5, 1.5) : random.normal();
    }
    return out;
  });
}

/** max |actual − expected| divided by the expected tensor's scale (its max |value|, at least 1e-6). */
export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    if (e === a) continue; // equal infinities (masked logits) agree
    diff = Math.max(diff, Math.abs(a - e));
    scale = Math.max(scale, Math.abs(e));
  }
  return diff / scale;
}

export interface Evaluation {
  output: Float32Array;
  grads: Float32Array[];
}

/** Forward, then backward with upstream gradient `upstream` (drawn from `seed` when not given). */
export async function evaluate(
  backend: Backend,
  spec: OpCase,
  values: Float64Array[],
  seed: number,
): Promise<Evaluation> {
  const tape = new Tape(backend);
  const inputs = spec.inputs.map((input, i) =>
    backend.tensor(input.shape, values[i] as Float64Array, { requiresGrad: input.grad !== false }),
  );
  const output = spec.forward(tape, ...inputs);
  const upstream = backend.tensor(output.shape, new Random(seed + 1).normals(output.size));
  const outputValues = await output.read();
  const grads = tape.backward(output, upstream);
  const gradValues: Float32Array[] = [];
  for (const [i, input] of inputs.entries()) {
    if (spec.inputs[i]?.grad === false) continue;
    const g = grads.get(input);
    gradValues.push(g ? await g.read() : new Float32Array(input.size));
  }
  for (const g of grads.values()) g.free();
  tape.dispose();
  upstream.free();
  for (const t of inputs) t.free();
  return { output: outputValues, grads: gradValues };
}

/** Runs the op on two backends with the same inputs and reports the scaled errors of b against a. */
export async function compareBackends(
  spec: OpCase,
  reference: Backend,
  candidate: Backend,
  seed = 1,
): Promise<BackendComparison> {
  const values = drawInputs(spec, seed);
  const expected = await evaluate(reference, spec, values, seed);
  const actual = await evaluate(candidate, spec, values, seed);
  return {
    name: spec.name,
    forwardError: scaledError(actual.output, expected.output),
    backwardErrors: expected.grads.map((g, i) => scaledError(actual.grads[i] as Float32Array, g)),
  };
}

export interface FiniteDifferenceResult {
  name: string;
  /** Largest |analytic − numeric| / max(1, |numeric|) over the probed elements of each input. */
  errors: number[];
}

/**
 * Checks a float64 CPU backend's backward against central differences of its forward:
 * d/dx Σ(y·u) for a fixed random u, probing up to `probes` elements of each differentiated input.
 */
export async function finiteDifferenceCheck(
  spec: OpCase,
  backend64: Backend,
  seed = 1,
  options: { probes?: number; step?: number } = {},
): Promise<FiniteDifferenceResult> {
  const probes = options.probes ?? 16;
  const h = options.step ?? 1e-5;
  const values = drawInputs(spec, seed);
  const analytic = await evaluate(backend64, spec, values, seed);

  const objective = (vals: Float64Array[]): number => {
    const tape = new Tape(backend64, false);
    const inputs = spec.inputs.map((input, i) => backend64.tensor(input.shape, vals[i] as Float64Array));
    const output = spec.forward(tape, ...inputs);
    const u = new Random(seed + 1).normals(output.size);
    const y = (backend64 as { data(t: Tensor): ArrayLike<number> }).data(output);
    let s = 0;
    for (let i = 0; i < u.length; i++) {
      const yi = y[i] as number;
      if (Number.isFinite(yi)) s += yi * (u[i] as number);
    }
    tape.dispose();
    for (const t of inputs) t.free();
    return s;
  };

  const errors: number[] = [];
  let gradIndex = 0;
  for (const [i, input] of spec.inputs.entries()) {
    if (input.grad === false) continue;
    const grad = analytic.grads[gradIndex++] as Float32Array;
    const x = values[i] as Float64Array;
    const pick = new Random(seed + 100 + i);
    let worst = 0;
    for (let p = 0; p < Math.min(probes, x.length); p++) {
      const j = x.length <= probes ? p : pick.int(x.length);
      const saved = x[j] as number;
      x[j] = saved + h;
      const plus = objective(values);
      x[j] = saved - h;
      const minus = objective(values);
      x[j] = saved;
      const numeric = (plus - minus) / (2 * h);
      worst = Math.max(worst, Math.abs((grad[j] as number) - numeric) / Math.max(1, Math.abs(numeric)));
    }
    errors.push(worst);
  }
  return { name: spec.name, errors };
}
