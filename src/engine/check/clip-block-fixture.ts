import type { Backend } from '../backend';
import { SafetensorsFile } from '../io/safetensors';
import {
  type ResidualBlockOptions,
  type ResidualBlockWeights,
  residualAttentionBlock,
  residualBlockWeightsFrom,
} from '../nn/residual-attention-block';
import { concatTokens, replaceTokens } from '../ops/tokens';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { scaledError } from './op-check';

/** float32 engine against float64 PyTorch, relative to each tensor's largest value. */
export const CLIP_BLOCK_TOLERANCE = 1e-4;

export type BlockScenario = 'vision' | 'text';

export interface BlockRun {
  output: Float32Array;
  /** Gradients by fixture name (`vision.grad.prompts`). */
  grads: Map<string, Float32Array>;
  /** Leaves that got a gradient although they do not require one. */
  frozenWithGrad: number;
}

export interface BlockScenarioReport {
  scenario: BlockScenario;
  checkpointed: boolean;
  outputError: number;
  gradientErrors: Record<string, number>;
  missingGradients: string[];
  frozenWithGrad: number;
  passed: boolean;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/** Tensors a scenario creates, freed at its end so one run's buffers never leak into the next's peak. */
export class FixtureScope {
  readonly tensors: Tensor[] = [];

  constructor(
    readonly backend: Backend,
    private readonly fixture: ClipBlockFixture,
  ) {}

  load(name: string, requiresGrad = false): Tensor {
    const { shape, data } = this.fixture.file.read(name);
    return this.keep(this.backend.tensor(shape, data, { requiresGrad, name }));
  }

  weights(prefix: string, requiresGrad: boolean): ResidualBlockWeights {
    const names = this.fixture.file.names.filter((name) => name.startsWith(prefix));
    return residualBlockWeightsFrom(
      new Map(names.map((name) => [name, this.load(name, requiresGrad)])),
      prefix,
    );
  }

  keep(t: Tensor): Tensor {
    this.tensors.push(t);
    return t;
  }

  free(): void {
    for (const t of this.tensors) t.free();
  }
}

/**
 * The PyTorch-autograd fixture of `fixtures/engine/clip_block.py`: two VPT-deep vision blocks and one causal
 * text block with learnable weights, replayed on our engine and compared tensor by tensor.
 */
export class ClipBlockFixture {
  readonly file: SafetensorsFile;
  readonly heads: number;
  readonly eps: number;

  constructor(bytes: Uint8Array) {
    this.file = SafetensorsFile.parse(bytes);
    this.heads = Number(this.file.metadata.heads);
    this.eps = Number(this.file.metadata.eps);
  }

  expected(name: string): Float32Array {
    return this.file.read(name).data as Float32Array;
  }

  options(causal: boolean, checkpointed: boolean): ResidualBlockOptions {
    return { heads: this.heads, causal, activation: 'quick_gelu', eps: this.eps, checkpoint: checkpointed };
  }

  run(backend: Backend, scenario: BlockScenario, checkpointed: boolean): Promise<BlockRun> {
    return scenario === 'vision' ? this.vision(backend, checkpointed) : this.text(backend, checkpointed);
  }

  /** concat(cls, prompts, patches) → block 0 → deep prompts replace the prompt outputs → block 1. */
  private vision(backend: Backend, checkpointed: boolean): Promise<BlockRun> {
    const scope = new FixtureScope(backend, this);
    const tape = new Tape(backend);
    const cls = scope.load('vision.inputs.cls');
    const patches = scope.load('vision.inputs.patches', true);
    const prompts = scope.load('vision.inputs.prompts', true);
    const deepPrompts = scope.load('vision.inputs.deep_prompts', true);
    const layers = [0, 1].map((i) => scope.weights(`vision.layers.${i}.`, false));
    let x = concatTokens(tape, [cls, prompts, patches]);
    x = residualAttentionBlock(tape, x, layers[0] as ResidualBlockWeights, this.options(false, checkpointed));
    x = replaceTokens(tape, x, 1, deepPrompts);
    x = residualAttentionBlock(tape, x, layers[1] as ResidualBlockWeights, this.options(false, checkpointed));
    const wanted = new Map([
      ['vision.grad.prompts', prompts],
      ['vision.grad.deep_prompts', deepPrompts],
      ['vision.grad.patches', patches],
    ]);
    return this.finish(scope, tape, x, scope.load('vision.u'), wanted);
  }

  /** One causal block with learnable weights: gradients for x and every weight. */
  private text(backend: Backend, checkpointed: boolean): Promise<BlockRun> {
    const scope = new FixtureScope(backend, this);
    const tape = new Tape(backend);
    const x = scope.load('text.inputs.x', true);
    const weights = scope.weights('text.layers.0.', true);
    const y = residualAttentionBlock(tape, x, weights, this.options(true, checkpointed));
    const wanted = new Map([['text.grad.x', x]]);
    for (const t of scope.tensors) {
      if (t.name?.startsWith('text.layers.0.')) wanted.set(t.name.replace('text.', 'text.grad.'), t);
    }
    return this.finish(scope, tape, y, scope.load('text.u'), wanted);
  }

  /** Backward seeded with u is the gradient of Σ(output · u), the fixture's loss. */
  private async finish(
    scope: FixtureScope,
    tape: Tape,
    output: Tensor,
    u: Tensor,
    wanted: Map<string, Tensor>,
  ): Promise<BlockRun> {
    const outputValues = await output.read();
    const grads = tape.backward(output, u);
    const run: BlockRun = { output: outputValues, grads: new Map(), frozenWithGrad: 0 };
    for (const [name, leaf] of wanted) {
      const g = grads.get(leaf);
      if (g) run.grads.set(name, await g.read());
    }
    for (const t of scope.tensors) if (!t.requiresGrad && grads.has(t)) run.frozenWithGrad++;
    for (const g of grads.values()) g.free();
    tape.dispose();
    scope.free();
    return run;
  }

  /**
   * A key bias adds the same q·b to all of a query's scores, which softmax ignores: its true gradient is 0
   * and PyTorch stores roundoff, so it is measured against the key weight's gradient, not its own scale.
   */
  gradientError(name: string, actual: Float32Array): number {
    const reference = this.expected(name);
    if (!name.endsWith('k_proj.bias')) return scaledError(actual, reference);
    const difference = actual.map((v, i) => v - (reference[i] as number));
    return maxAbs(difference) / maxAbs(this.expected(name.replace(/bias$/, 'weight')));
  }

  compare(run: BlockRun, scenario: BlockScenario, checkpointed: boolean): BlockScenarioReport {
    const expectedGrads = this.file.names.filter((name) => name.startsWith(`${scenario}.grad.`));
    const gradientErrors: Record<string, number> = {};
    for (const [name, grad] of run.grads) gradientErrors[name] = this.gradientError(name, grad);
    const missingGradients = expectedGrads.filter((name) => !run.grads.has(name));
    const outputError = scaledError(run.output, this.expected(`${scenario}.output`));
    const passed =
      outputError <= CLIP_BLOCK_TOLERANCE &&
      Object.values(gradientErrors).every((e) => e <= CLIP_BLOCK_TOLERANCE) &&
      missingGradients.length === 0 &&
      run.frozenWithGrad === 0;
    return {
      scenario,
      checkpointed,
      outputError,
      gradientErrors,
      missingGradients,
      frozenWithGrad: run.frozenWithGrad,
      passed,
    };
  }

  /** Both scenarios, with and without checkpointing: what `prompt-studio check engine` reports. */
  async check(backend: Backend): Promise<BlockScenarioReport[]> {
    const reports: BlockScenarioReport[] = [];
    for (const scenario of ['vision', 'text'] as const) {
      for (const checkpointed of [false, true]) {
        reports.push(this.compare(await this.run(backend, scenario, checkpointed), scenario, checkpointed));
      }
    }
    return reports;
  }
}
