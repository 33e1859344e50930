import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import type { Floats, Tensor } from '../tensor';
import source from './activations.wgsl?raw';

// ---- CPU references (x, dy, out have the same length) ----

/**
 * W. J. Cody's rational Chebyshev approximations of erf and erfc (Math. Comp. 23, 1969, 631–638; netlib
 * specfun CALERF), accurate to ~18 digits; activations.wgsl evaluates the same ones in f32. Numerators are
 * listed highest degree first; denominators are monic, their leading 1 left out.
 */
const CODY = {
  /** erf(z) = z·A(z²)/B(z²) for |z| ≤ 0.46875. */
  a: [
    0.185777706184603153, 3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
  ],
  b: [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062],
  /** erfc(z) = e^(−z²)·C(z)/D(z) for 0.46875 < z ≤ 4. */
  c: [
    2.15311535474403846e-8, 0.564188496988670089, 8.88314979438837594, 66.1191906371416295,
    298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
  ],
  d: [
    15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
    4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
  ],
  /** erfc(z) = e^(−z²)/z·(1/√π − w·P(w)/Q(w)) with w = 1/z² for z > 4. */
  p: [
    0.0163153871373020978, 0.305326634961232344, 0.360344899949804439, 0.125781726111229246,
    0.0160837851487422766, 6.58749161529837803e-4,
  ],
  q: [
    2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191,
    0.00233520497626869185,
  ],
};

/** num(t)/den(t) by Horner's rule, in the coefficient layout of CODY. */
function rational(num: readonly number[], den: readonly number[], t: number): number {
  let n = 0;
  let d = 1;
  for (const c of num) n = n * t + c;
  for (const c of den) d = d * t + c;
  return n / d;
}

/** Φ(x), the standard normal CDF, accurate to double precision; the far negative tail keeps its digits. */
function normalCdf(x: number): number {
  const z = x * Math.SQRT1_2;
  const a = Math.abs(z);
  if (a <= 0.46875) return 0.5 + 0.5 * z * rational(CODY.a, CODY.b, z * z);
  let erfc: number;
  if (a <= 4) erfc = Math.exp(-a * a) * rational(CODY.c, CODY.d, a);
  else {
    const w = 1 / (a * a);
    erfc = (Math.exp(-a * a) * (1 / Math.sqrt(Math.PI) - w * rational(CODY.p, CODY.q, w))) / a;
  }
  return z > 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function sigmoid(t: number): number {
  return 1 / (1 + Math.exp(-t));
}

/** CLIP's activation: x·σ(1.702x). */
export function quickGeluRef(x: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i] as number;
    out[i] = v * sigmoid(1.702 * v);
  }
}

export function quickGeluBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i] as number;
    const s = sigmoid(1.702 * v);
    out[i] = (dy[i] as number) * (s + 1.702 * v * s * (1 - s));
  }
}

/** The exact (erf) GELU of torch.nn.functional.gelu: x·Φ(x). */
export function geluRef(x: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i] as number;
    out[i] = v * normalCdf(v);
  }
}

export function geluBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>, out: Floats): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i] as number;
    out[i] = (dy[i] as number) * (normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
  }
}

// ---- kernels ----

type Activation = 'quick_gelu' | 'gelu';

const references = {
  quick_gelu: { forward: quickGeluRef, backward: quickGeluBackwardRef },
  gelu: { forward: geluRef, backward: geluBackwardRef },
};

function wgslKernel(entryPoint: string) {
  return { label: 'activations', source, entryPoint };
}

const activationForward: Kernel<{ x: Tensor; activation: Activation }, Tensor> = {
  cpu(be, { x, activation }) {
    const out = be.empty(x.shape);
    references[activation].forward(be.data(x), be.data(out));
    return out;
  },
  gpu(be, { x, activation }) {
    const out = be.empty(x.shape);
    be.dispatch(wgslKernel(activation), { N: u32(x.size) }, [x, out], grid1d(x.size, 256));
    return out;
  },
};

/** dx from the saved input x and the incoming gradient dy. */
const activationBackward: Kernel<{ x: Tensor; dy: Tensor; activation: Activation }, Tensor> = {
  cpu(be, { x, dy, activation }) {
    const out = be.empty(x.shape);
    references[activation].backward(be.data(x), be.data(dy), be.data(out));
    return out;
  },
  gpu(be, { x, dy, activation }) {
    const out = be.empty(x.shape);
    be.dispatch(wgslKernel(`${activation}_backward`), { N: u32(x.size) }, [x, out, dy], grid1d(x.size, 256));
    return out;
  },
};

// ---- differentiable ops ----

function activate(tape: Tape, x: Tensor, activation: Activation): Tensor {
  const be = tape.backend;
  const y = tape.track(runKernel(activationForward, be, { x, activation }));
  return tape.record(y, [x], (dy) => [runKernel(activationBackward, be, { x, dy, activation })], {
    saved: [x],
  });
}

/** x·σ(1.702x), the MLP activation of OpenAI's CLIP ("quick_gelu" in its config). */
export function quickGelu(tape: Tape, x: Tensor): Tensor {
  return activate(tape, x, 'quick_gelu');
}

/** x·Φ(x), the exact GELU ("gelu" in a Hub config). */
export function gelu(tape: Tape, x: Tensor): Tensor {
  return activate(tape, x, 'gelu');
}
