/**
 * `prompt-studio bench step`: one training step of every method (forward, loss, backward and optimizer
 * update, the trainer's own `trainStep`), timed as the mean of N steps after a warm-up step, with the
 * buffer pool's peak over those steps. Two sets of dimensions:
 * - embedded: the embedded model, each method's default batch, a task pack's class count;
 * - vitb16: a CLIP with ViT-B/16's dimensions and random weights, batch 32 and 100 classes for every method.
 * Inputs are random tensors of the method's input shape (pixels or cached features), uploaded every step
 * as the trainer uploads its batches; decoding and augmenting images on the host is not part of the step.
 *
 * ViT-B/16 at batch 32 is over a TFLOP a step for the pixel methods (35 GFLOP per image forward, about as
 * much again backward) and ~0.3 TFLOP for CoOp's 100 prompts: a quarter of an hour a step where WebGPU runs
 * on the CPU, so `--dims` defaults to the embedded model alone there and on the CPU backend, and to both on
 * a real GPU.
 */
import { loadavg } from 'node:os';
import type { ClipModel } from '../../clip/clip-model';
import type { RgbaImage } from '../../clip/preprocess';
import { randomClipModel, VIT_B16_CONFIG } from '../../clip/random-clip';
import { ClipTokenizer } from '../../clip/tokenizer';
import type { Backend } from '../../engine/backend';
import { Random } from '../../engine/random';
import type { MethodDefinition, MethodId } from '../../methods/method';
import { createOptimizer, trainStep } from '../../train/epoch-loop';
import { loadFrozenClip } from '../../train/frozen-clip';
import type { InputSource } from '../../train/inputs';
import { trainableParameterCount } from '../../train/learnable-values';
import type { LabelledExample } from '../../train/task-data';
import { numberOption, type ParsedArgs, stringOption, UsageError } from '../args';
import { adapterName, backendChoice, openChosenBackend } from '../backend-choice';
import { chooseMethods, readTaskIndex, SHIPPED_TASKS_DIR } from '../bench-options';
import { emit, formatBytes, table } from '../output';
import { timeCalls } from '../timing';
import { loadModel } from './zero-shot';

type Dims = 'embedded' | 'vitb16';

const VIT_B16_BATCH = 32;
const VIT_B16_CLASSES = 100;
/** The learning rate is irrelevant to the time; a small one keeps random-weight runs finite. */
const STEP_LR = 1e-4;

export interface StepBench {
  method: MethodId;
  dims: Dims;
  batch: number;
  classes: number;
  steps: number;
  msPerStep: number;
  /** CPU time of every thread of the process per step: the fair measure on a shared machine. */
  cpuMsPerStep: number;
  stepsPerSecond: number;
  /** Pool bytes in use at the peak of the timed steps: weights, learnables, optimizer state, activations. */
  peakBytes: number;
  /** Of those, what was in use before the steps (weights, learnables and optimizer state). */
  residentBytes: number;
  trainableParameters: number;
}

/** A model and the classes its methods classify. */
interface Bench {
  dims: Dims;
  description: string;
  model: ClipModel;
  tokenizer: ClipTokenizer;
  classNames: string[];
  batchSize(definition: MethodDefinition): number;
}

/** Nothing reads the image: the inputs are random tensors. */
const NO_IMAGE: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray(4) };

/** `warmup` untimed steps, then the mean of `steps`; the method and its optimizer are freed after. */
async function benchMethod(
  bench: Bench,
  definition: MethodDefinition,
  warmup: number,
  steps: number,
): Promise<StepBench> {
  const { model, tokenizer, classNames } = bench;
  const backend = model.backend;
  const training = definition.training;
  if (!training) throw new Error(`${definition.id} has nothing to train`);
  const batchSize = bench.batchSize(definition);
  const { imageSize, channels } = model.config.vision;
  const shape =
    definition.input === 'pixels'
      ? [batchSize, channels, imageSize, imageSize]
      : [batchSize, model.config.projectionDim];
  const random = new Random(7);
  const values = random.normals(shape.reduce((a, b) => a * b, 1));
  const inputs: InputSource = { kind: definition.input, batch: (be) => be.tensor(shape, values) };
  const batch: LabelledExample[] = Array.from({ length: batchSize }, (_, i) => ({
    id: String(i),
    image: NO_IMAGE,
    label: i % classNames.length,
  }));
  const method = definition.create({ model, tokenizer, classNames, seed: 1 });
  const optimizer = createOptimizer([...method.learnables.values()], training);
  try {
    const step = () => trainStep(method, inputs, optimizer, backend, batch, random, STEP_LR);
    await timeCalls(backend, warmup, 0, step);
    const residentBytes = backend.memory().inUse;
    backend.resetPeak();
    const { wallMs: msPerStep, cpuMs: cpuMsPerStep } = await timeCalls(backend, 0, steps, step);
    return {
      method: definition.id,
      dims: bench.dims,
      batch: batchSize,
      classes: classNames.length,
      steps,
      msPerStep,
      cpuMsPerStep,
      stepsPerSecond: 1000 / msPerStep,
      peakBytes: backend.memory().peak,
      residentBytes,
      trainableParameters: trainableParameterCount(method),
    };
  } finally {
    optimizer.dispose();
    method.dispose();
  }
}

async function embeddedBench(backend: Backend, taskName: string | undefined): Promise<Bench> {
  const index = await readTaskIndex(SHIPPED_TASKS_DIR);
  const task = taskName ? index.find((t) => t.name === taskName) : index.find((t) => t.role === 'target');
  if (!task) throw new UsageError(`--task ${taskName}: no such pack in public/tasks/index.json`);
  const { model, tokenizer } = loadFrozenClip(await loadModel('embedded'), backend);
  return {
    dims: 'embedded',
    description: `embedded model, task ${task.name} (${task.classes.length} classes), each method's default batch`,
    model,
    tokenizer,
    classNames: task.classes,
    batchSize: (definition) => definition.training?.batchSize ?? 1,
  };
}

async function vitB16Bench(backend: Backend): Promise<Bench> {
  // The embedded tokenizer: its ids fit any vocabulary, and only the prompts' lengths matter to the time.
  const files = await loadModel('embedded');
  const tokenizer = ClipTokenizer.fromJson(files.tokenizer, files.tokenizerConfig ?? undefined);
  return {
    dims: 'vitb16',
    description: `ViT-B/16 dimensions, random weights, batch ${VIT_B16_BATCH}, ${VIT_B16_CLASSES} classes`,
    model: randomClipModel(backend, VIT_B16_CONFIG),
    tokenizer,
    classNames: Array.from({ length: VIT_B16_CLASSES }, (_, i) => `class ${i + 1}`),
    batchSize: () => VIT_B16_BATCH,
  };
}

export async function benchStep(args: ParsedArgs): Promise<number> {
  const json = args.options.has('json');
  const steps = numberOption(args, 'steps', 5);
  const warmup = numberOption(args, 'warmup', 1);
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError('--steps must be a whole number ≥ 1');
  if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError('--warmup must be a whole number ≥ 0');
  const methods = chooseMethods(args, { trainedOnly: true });
  const { backend, adapter, reason } = await openChosenBackend(backendChoice(args, 'webgpu'));
  const slowHere = backend.kind === 'cpu' || adapter?.isFallbackAdapter === true;
  const dimsOption = stringOption(args, 'dims') ?? (slowHere ? 'embedded' : 'both');
  if (!['embedded', 'vitb16', 'both'].includes(dimsOption)) {
    throw new UsageError('--dims must be embedded, vitb16 or both');
  }
  const skipped: string[] = [];
  if (dimsOption === 'embedded' && !args.options.has('dims')) {
    skipped.push(
      `ViT-B/16 dimensions: over a TFLOP a step is far too slow on ${
        backend.kind === 'cpu' ? 'the CPU backend' : 'a fallback adapter'
      } (--dims vitb16 or both runs them anyway)`,
    );
  }
  const dims: Dims[] = dimsOption === 'both' ? ['embedded', 'vitb16'] : [dimsOption as Dims];
  const results: StepBench[] = [];
  const descriptions: Record<string, string> = {};
  for (const which of dims) {
    const bench =
      which === 'embedded'
        ? await embeddedBench(backend, stringOption(args, 'task'))
        : await vitB16Bench(backend);
    descriptions[which] = bench.description;
    for (const definition of methods) {
      if (!json) process.stderr.write(`${which}: ${definition.id}…\n`);
      results.push(await benchMethod(bench, definition, warmup, steps));
    }
    bench.model.dispose();
  }
  const result = {
    backend: backend.name,
    backendReason: reason,
    adapter,
    warmup,
    steps,
    dims: descriptions,
    results,
    skipped,
    loadAverage: loadavg()[0] as number,
  };
  emit(json, result, () =>
    [
      `backend: ${backend.name} (${reason}); WebGPU adapter: ${adapterName(adapter)}`,
      `mean of ${steps} steps after ${warmup} warm-up (cpu: CPU time of all the process's threads); peak: pool ` +
        'bytes in use at the peak of the timed steps (resident: before them: weights, learnables, optimizer state)',
      `load average ${result.loadAverage.toFixed(1)} at the end`,
      ...dims.flatMap((which) => [
        '',
        `${descriptions[which]}:`,
        table(
          [
            'method',
            'batch',
            'classes',
            'ms/step',
            'cpu ms/step',
            'steps/s',
            'peak',
            'resident',
            'trainable',
          ],
          results
            .filter((r) => r.dims === which)
            .map((r) => [
              r.method,
              String(r.batch),
              String(r.classes),
              r.msPerStep.toFixed(1),
              r.cpuMsPerStep.toFixed(0),
              r.stepsPerSecond.toFixed(2),
              formatBytes(r.peakBytes),
              formatBytes(r.residentBytes),
              r.trainableParameters.toLocaleString('en'),
            ]),
        ),
      ]),
      ...skipped.map((s) => `\nskipped: ${s}`),
    ].join('\n'),
  );
  return 0;
}
