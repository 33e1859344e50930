import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import {
  type BlockRun,
  type BlockScenario,
  CLIP_BLOCK_TOLERANCE,
  ClipBlockFixture,
  FixtureScope,
} from '../check/clip-block-fixture';
import { checkpoint } from '../checkpoint';
import { linear } from '../ops/matmul';
import { Random } from '../random';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { cpu, testGpuBackend } from '../testing/backends';
import { randomBlockWeights } from './random-block-weights';
import { residualAttentionBlock } from './residual-attention-block';

const fixture = new ClipBlockFixture(
  readFileSync(new URL('../../../fixtures/engine/clip_block.safetensors', import.meta.url)),
);
const options = (causal: boolean, checkpointed: boolean) => fixture.options(causal, checkpointed);

function expectMatchesPyTorch(run: BlockRun, scenario: BlockScenario): void {
  const report = fixture.compare(run, scenario, false);
  expect(report.missingGradients).toEqual([]);
  expect(report.outputError).toBeLessThanOrEqual(CLIP_BLOCK_TOLERANCE);
  for (const [name, error] of Object.entries(report.gradientErrors)) {
    expect(error, name).toBeLessThanOrEqual(CLIP_BLOCK_TOLERANCE);
  }
  expect(run.frozenWithGrad).toBe(0);
}

function expectIdentical(a: BlockRun, b: BlockRun): void {
  expect(Array.from(b.output)).toEqual(Array.from(a.output));
  expect([...b.grads.keys()]).toEqual([...a.grads.keys()]);
  for (const [name, grad] of a.grads) expect(Array.from(b.grads.get(name) ?? [])).toEqual(Array.from(grad));
}

/** Peak bytes above the weights and input during forward + backward through `depth` frozen blocks. */
function stackPeak(backend: Backend, checkpointed: boolean, depth: number, tokens: number): number {
  const scope = new FixtureScope(backend, fixture);
  const random = new Random(5);
  const layers = Array.from({ length: depth }, () => {
    const { weights, tensors } = randomBlockWeights(backend, random, 32, 128);
    for (const t of tensors) scope.keep(t);
    return weights;
  });
  const x = scope.keep(
    backend.tensor([2, tokens, 32], random.normals(2 * tokens * 32), { requiresGrad: true }),
  );
  const tape = new Tape(backend);
  backend.resetPeak();
  const resident = backend.memory().inUse;
  let y = x;
  for (const layer of layers) y = residualAttentionBlock(tape, y, layer, options(false, checkpointed));
  const grads = tape.backward(y);
  const peak = backend.memory().peak - resident;
  for (const g of grads.values()) g.free();
  tape.dispose();
  scope.free();
  return peak;
}

const backends: [string, () => Promise<Backend>][] = [
  ['webgpu', testGpuBackend],
  ['cpu', async () => cpu],
];

describe.each(backends)('residual attention block on %s', (_, getBackend) => {
  it('matches PyTorch on two VPT-deep vision blocks, with and without checkpointing', async () => {
    const backend = await getBackend();
    const plain = await fixture.run(backend, 'vision', false);
    expectMatchesPyTorch(plain, 'vision');
    expectIdentical(plain, await fixture.run(backend, 'vision', true));
  });

  it('matches PyTorch on a causal text block with learnable weights, with and without checkpointing', async () => {
    const backend = await getBackend();
    const plain = await fixture.run(backend, 'text', false);
    expectMatchesPyTorch(plain, 'text');
    expectIdentical(plain, await fixture.run(backend, 'text', true));
  });

  it('checkpointing lowers the peak memory of a 4-block stack', async () => {
    const backend = await getBackend();
    const withoutCheckpoint = stackPeak(backend, false, 4, 33);
    const withCheckpoint = stackPeak(backend, true, 4, 33);
    expect(withCheckpoint).toBeLessThan(withoutCheckpoint);
  });

  it('keeps only its output when not recording', async () => {
    const backend = await getBackend();
    const scope = new FixtureScope(backend, fixture);
    const x = scope.load('text.inputs.x');
    const weights = scope.weights('text.layers.0.', false);
    const tape = new Tape(backend, false);
    const before = backend.memory().inUse;
    const y = residualAttentionBlock(tape, x, weights, options(true, false));
    expect(backend.memory().inUse - before).toBe(y.size * 4);
    tape.dispose();
    scope.free();
  });
});

describe('checkpoint', () => {
  it('refuses a checkpointed segment that reads a learnable tensor it was not given', () => {
    const x = cpu.tensor([2, 3], [1, 2, 3, 4, 5, 6], { requiresGrad: true });
    const w = cpu.tensor([3, 3], new Random(1).normals(9), { requiresGrad: true, name: 'w' });
    const tape = new Tape(cpu);
    const y = checkpoint(tape, [x], (inner, [input]) => linear(inner, input as Tensor, w));
    expect(() => tape.backward(y)).toThrow(/reads w \[3, 3\], which requires a gradient but is not among/);
    tape.dispose();
    x.free();
    w.free();
  });
});
