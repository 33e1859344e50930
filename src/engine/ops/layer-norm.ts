import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { f32, u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import forwardSource from './layer-norm.wgsl?raw';
import backwardSource from './layer-norm-backward.wgsl?raw';
import { sumRows } from './reduce';
import { reduceSnippet, threadsPerRow } from './workgroup-reduce';

// ---- CPU references (x, y, dy, dx are [rows, c]; gamma, beta [c]; mean, rstd [rows]) ----

/** y = (x − mean)·rstd·gamma + beta per row, rstd = 1/√(biased variance + eps); keeps mean and rstd. */
export function layerNormRef(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  rows: number,
  c: number,
  eps: number,
  y: Floats,
  mean: Floats,
  rstd: Floats,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    let s = 0;
    for (let j = 0; j < c; j++) s += x[base + j] as number;
    const mu = s / c;
    let q = 0;
    for (let j = 0; j < c; j++) q += ((x[base + j] as number) - mu) ** 2;
    const rs = 1 / Math.sqrt(q / c + eps);
    for (let j = 0; j < c; j++) {
      y[base + j] = ((x[base + j] as number) - mu) * rs * (gamma[j] as number) + (beta[j] as number);
    }
    mean[r] = mu;
    rstd[r] = rs;
  }
}

/** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma, x̂ = (x − mean)·rstd. */
export function layerNormInputGradRef(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  rows: number,
  c: number,
  dx: Floats,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    const mu = mean[r] as number;
    const rs = rstd[r] as number;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < c; j++) {
      const g = (dy[base + j] as number) * (gamma[j] as number);
      sg += g;
      sgx += g * ((x[base + j] as number) - mu) * rs;
    }
    for (let j = 0; j < c; j++) {
      const xhat = ((x[base + j] as number) - mu) * rs;
      dx[base + j] = rs * ((dy[base + j] as number) * (gamma[j] as number) - sg / c - (xhat * sgx) / c);
    }
  }
}

/** dgamma[j] = Σ_rows dy·x̂ (dbeta is the plain column sum of dy). */
export function layerNormGammaGradRef(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  rows: number,
  c: number,
  dgamma: Floats,
): void {
  dgamma.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      const i = r * c + j;
      const xhat = ((x[i] as number) - (mean[r] as number)) * (rstd[r] as number);
      dgamma[j] = (dgamma[j] as number) + (dy[i] as number) * xhat;
    }
  }
}

// ---- kernels ----

const forwardKernel = { label: 'layer-norm', source: reduceSnippet + forwardSource, entryPoint: 'forward' };
const backward = reduceSnippet + backwardSource;
const inputGradKernel = { label: 'layer-norm-backward', source: backward, entryPoint: 'input_grad' };
const gammaGradKernel = { label: 'layer-norm-backward', source: backward, entryPoint: 'gamma_grad' };

interface RowStatistics {
  mean: Tensor;
  rstd: Tensor;
}

interface LayerNormArgs {
  x: Tensor;
  gamma: Tensor;
  beta: Tensor;
  eps: number;
}

const columns = (x: Tensor) => x.shape[x.shape.length - 1] as number;

/** y and the per-row statistics the backward reads. */
const layerNormForward: Kernel<LayerNormArgs, RowStatistics & { y: Tensor }> = {
  cpu(be, { x, gamma, beta, eps }) {
    const c = columns(x);
    const rows = x.size / c;
    const [y, mean, rstd] = [be.empty(x.shape), be.empty([rows]), be.empty([rows])];
    layerNormRef(
      be.data(x),
      be.data(gamma),
      be.data(beta),
      rows,
      c,
      eps,
      be.data(y),
      be.data(mean),
      be.data(rstd),
    );
    return { y, mean, rstd };
  },
  gpu(be, { x, gamma, beta, eps }) {
    const c = columns(x);
    const rows = x.size / c;
    const out = { y: be.empty(x.shape), mean: be.empty([rows]), rstd: be.empty([rows]) };
    const constants = { ROWS: u32(rows), C: u32(c), WG: u32(threadsPerRow(be, c)), EPS: f32(eps) };
    be.dispatch(forwardKernel, constants, [x, gamma, beta, out.y, out.mean, out.rstd], grid1d(rows, 1));
    return out;
  },
};

const layerNormInputGrad: Kernel<RowStatistics & { x: Tensor; gamma: Tensor; dy: Tensor }, Tensor> = {
  cpu(be, { x, gamma, dy, mean, rstd }) {
    const c = columns(x);
    const dx = be.empty(x.shape);
    layerNormInputGradRef(
      be.data(x),
      be.data(gamma),
      be.data(dy),
      be.data(mean),
      be.data(rstd),
      x.size / c,
      c,
      be.data(dx),
    );
    return dx;
  },
  gpu(be, { x, gamma, dy, mean, rstd }) {
    const c = columns(x);
    const rows = x.size / c;
    const dx = be.empty(x.shape);
    be.dispatch(
      inputGradKernel,
      { ROWS: u32(rows), C: u32(c), WG: u32(threadsPerRow(be, c)) },
      [x, mean, rstd, dy, dx, gamma],
      grid1d(rows, 1),
    );
    return dx;
  },
};

const layerNormGammaGrad: Kernel<RowStatistics & { x: Tensor; dy: Tensor }, Tensor> = {
  cpu(be, { x, dy, mean, rstd }) {
    const c = columns(x);
    const dgamma = be.empty([c]);
    layerNormGammaGradRef(
      be.data(x),
      be.data(dy),
      be.data(mean),
      be.data(rstd),
      x.size / c,
      c,
      be.data(dgamma),
    );
    return dgamma;
  },
  gpu(be, { x, dy, mean, rstd }) {
    const c = columns(x);
    const dgamma = be.empty([c]);
    // WG sizes only input_grad's reduction, but the whole module is compiled for either entry point.
    const constants = { ROWS: u32(x.size / c), C: u32(c), WG: u32(threadsPerRow(be, c)) };
    be.dispatch(gammaGradKernel, constants, [x, mean, rstd, dy, dgamma], [Math.ceil(c / 64)]);
    return dgamma;
  },
};

// ---- differentiable ops ----

/**
 * torch.nn.LayerNorm over the last axis: x is [..., C], gamma and beta are [C]. dgamma and dbeta are
 * computed only when they are trainable (CLIP's frozen layer norms pass only dx back).
 */
export function layerNorm(tape: Tape, x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const c = columns(x);
  if (gamma.size !== c || beta.size !== c) {
    throw new Error(
      `layerNorm: x ${shapeString(x.shape)} needs gamma and beta of [${c}], got ${shapeString(gamma.shape)}, ${shapeString(beta.shape)}`,
    );
  }
  const be = tape.backend;
  const { y, mean, rstd } = runKernel(layerNormForward, be, { x, gamma, beta, eps });
  return tape.record(
    tape.track(y),
    [x, gamma, beta],
    (dy, [needX, needGamma, needBeta]) => [
      needX ? runKernel(layerNormInputGrad, be, { x, gamma, dy, mean, rstd }) : null,
      needGamma ? runKernel(layerNormGammaGrad, be, { x, dy, mean, rstd }) : null,
      needBeta ? sumRows(be, dy, x.size / c, c) : null,
    ],
    { saved: [x, gamma], scratch: [mean, rstd] },
  );
}
