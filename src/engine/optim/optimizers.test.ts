import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import { Random } from '../random';
import type { Tensor } from '../tensor';
import { cpu, testGpuBackend } from '../testing/backends';
import { AdamW, type AdamWOptions } from './adamw';
import fixture from './fixtures/optimizers.json';
import type { Optimizer } from './optimizer';
import { Sgd, type SgdOptions } from './sgd';

/** Relative to the largest expected value: the bar both for torch and for GPU against CPU. */
const TOLERANCE = 1e-6;

interface FixtureRun {
  name: string;
  optimizer: 'sgd' | 'adamw';
  options: SgdOptions & AdamWOptions;
  lrs: number[];
  /** Parameters after each step: [step][parameter][value]. */
  expected: number[][][];
}

/** Parameters and a gradient per step and parameter (null: no gradient that step). */
interface Problem {
  shapes: number[][];
  initial: ArrayLike<number>[];
  grads: (ArrayLike<number> | null)[][];
}

const runs = fixture.runs as FixtureRun[];
const torchProblem: Problem = fixture;

/** Larger than a workgroup and not a multiple of it; parameter 1 gets no gradient on step 2, as in torch's. */
function randomProblem(seed: number): Problem {
  const rng = new Random(seed);
  const shapes = [[517], [3, 7]];
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    shapes,
    initial: shapes.map((s) => rng.normals(size(s))),
    grads: [0, 1, 2, 3, 4].map((step) =>
      shapes.map((s, k) => (step === 2 && k === 1 ? null : rng.normals(size(s), 0.3 * (step + 1)))),
    ),
  };
}

function makeOptimizer(run: FixtureRun, params: Tensor[]): Optimizer {
  return run.optimizer === 'sgd' ? new Sgd(params, run.options) : new AdamW(params, run.options);
}

function makeParams(be: Backend, problem: Problem): Tensor[] {
  return problem.shapes.map((shape, k) => be.tensor(shape, problem.initial[k], { requiresGrad: true }));
}

/** Steps `from` … `to − 1` of the run; returns the parameters after each. */
async function advance(
  be: Backend,
  optimizer: Optimizer,
  run: FixtureRun,
  problem: Problem,
  from = 0,
  to = run.lrs.length,
): Promise<Float32Array[][]> {
  const after: Float32Array[][] = [];
  for (let step = from; step < to; step++) {
    const grads = new Map<Tensor, Tensor>();
    optimizer.params.forEach((p, k) => {
      const g = problem.grads[step]?.[k];
      if (g) grads.set(p, be.tensor(p.shape, g));
    });
    optimizer.step(grads, run.lrs[step] as number);
    for (const g of grads.values()) g.free();
    after.push(await Promise.all(optimizer.params.map((p) => p.read())));
  }
  return after;
}

function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

function expectClose(actual: ArrayLike<number>[][], expected: ArrayLike<number>[][]): void {
  expect(actual.length).toBe(expected.length);
  for (const [step, params] of actual.entries()) {
    for (const [k, values] of params.entries()) {
      expect(
        scaledError(values, expected[step]?.[k] ?? []),
        `step ${step}, parameter ${k}`,
      ).toBeLessThanOrEqual(TOLERANCE);
    }
  }
}

describe.each(runs)('$name', (run) => {
  it('the CPU reference follows the PyTorch trajectory', async () => {
    const params = makeParams(cpu, torchProblem);
    const optimizer = makeOptimizer(run, params);
    expectClose(await advance(cpu, optimizer, run, torchProblem), run.expected);
    const state = await optimizer.state();
    expect(state.params.map((p) => p.step)).toEqual([5, 4]);
  });

  it('the GPU step matches the CPU reference over 5 steps with changing lr', async () => {
    const gpu = await testGpuBackend();
    const problem = randomProblem(3);
    const results = [];
    for (const be of [cpu, gpu] as const) {
      const params = makeParams(be, problem);
      const optimizer = makeOptimizer(run, params);
      results.push({
        trajectory: await advance(be, optimizer, run, problem),
        state: await optimizer.state(),
      });
      optimizer.dispose();
      for (const p of params) p.free();
    }
    const [onCpu, onGpu] = results as [(typeof results)[0], (typeof results)[0]];
    expectClose(onGpu.trajectory, onCpu.trajectory);
    expect(onGpu.state.params.map((p) => p.step)).toEqual(onCpu.state.params.map((p) => p.step));
    onGpu.state.params.forEach((param, k) => {
      for (const [name, values] of Object.entries(param.slots)) {
        const expected = onCpu.state.params[k]?.slots[name] ?? [];
        expect(scaledError(values, expected), `${name} of parameter ${k}`).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  });

  it('resumes from a saved state exactly where it left off', async () => {
    const problem = randomProblem(5);
    for (const be of [cpu, await testGpuBackend()]) {
      const straight = await advance(be, makeOptimizer(run, makeParams(be, problem)), run, problem);

      const first = makeOptimizer(run, makeParams(be, problem));
      await advance(be, first, run, problem, 0, 3);
      const saved = await first.state();
      const resumedParams = await Promise.all(
        first.params.map(async (p) => be.tensor(p.shape, await p.read(), { requiresGrad: true })),
      );
      const resumed = makeOptimizer(run, resumedParams);
      resumed.loadState(saved);
      expect(await advance(be, resumed, run, problem, 3)).toEqual(straight.slice(3));
    }
  });
});

describe('optimizer state', () => {
  it('is freed by dispose', () => {
    const before = cpu.memory().inUse;
    const optimizer = new AdamW([cpu.tensor([5], undefined, { requiresGrad: true })]);
    expect(cpu.memory().inUse).toBeGreaterThan(before + 5 * 4);
    optimizer.dispose();
    expect(cpu.memory().inUse).toBe(before + 5 * 4);
  });

  it('refuses frozen parameters and state written by another optimizer', async () => {
    expect(() => new Sgd([cpu.tensor([3])])).toThrow(/does not require grad/);
    const params = [cpu.tensor([3], undefined, { requiresGrad: true })];
    const sgdState = await new Sgd(params, { momentum: 0.9 }).state();
    expect(() => new AdamW(params).loadState(sgdState)).toThrow(/written by sgd/);
  });
});
