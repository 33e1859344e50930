import { messageOf } from '../common/message-of';
import { parseArgs, UsageError } from './args';
import { checkOptions } from './command-options';
import { benchAccuracy } from './commands/bench-accuracy';
import { benchGeneralisation } from './commands/bench-generalisation';
import { benchKernels } from './commands/bench-kernels';
import { benchMultitask } from './commands/bench-multitask';
import { benchStep } from './commands/bench-step';
import { checkClip } from './commands/check-clip';
import { checkEngine } from './commands/check-engine';
import { checkMethods } from './commands/check-methods';
import { evaluatePrompts } from './commands/eval';
import { fingerprint } from './commands/fingerprint';
import { multitask } from './commands/multitask';
import { predict } from './commands/predict';
import { train } from './commands/train';
import { transfer } from './commands/transfer';
import { zeroShot } from './commands/zero-shot';

const USAGE = `usage: prompt-studio <command> [options] [--json]

commands:
  check engine        every op's GPU forward/backward vs the CPU reference, and vs finite differences
                        [--backend webgpu|wasm|cpu]
  check clip          the embedded CLIP's towers (engine and onnxruntime) vs its PyTorch embeddings
                        [--model embedded|DIR]
  check methods       every method's gradients on fixtures/methods/*.safetensors vs its PyTorch reference
                        [--model DIR] [--fixtures DIR]
  bench kernels       matmul GFLOP/s at ViT-B/16 shapes; one CLIP block's forward/backward time and memory
                        [--shapes vit|small] (small: the embedded model's, seconds on SwiftShader)
                        [--variant tiled|registers] (the matmul kernel; default: the adapter's)
                        [--backend webgpu|wasm|cpu] (wasm: beside our JavaScript backend, onnxruntime-web's
                        wasm and PyTorch CPU, one thread each, with the ratios; --quick skips them)
  bench step          every method's training step (ms, steps/s, peak pool bytes, trainable parameters):
                        [--dims embedded|vitb16|both] [--steps N] [--warmup N] [--task NAME]
                        [--methods a,b] [--backend auto|webgpu|wasm|cpu]
  bench accuracy      every method on the target task packs, test accuracy mean ± std over seeds averaged
                        over the targets beside zero-shot, and per task: [--shots 4,16] [--seeds 1,2,3]
                        [--tasks a,b] [--methods a,b] [--epochs E] [--backend auto|webgpu|wasm|cpu] [--model]
                        [--jobs N] [--out results.json] and train's training options
  bench generalisation  base-to-novel (CoCoOp's protocol) on the target packs: every method that can score
                        unseen classes trained on each task's first half of classes, tested on both halves;
                        base, novel and harmonic-mean accuracy, mean ± std over seeds: [--shots 16]
                        [--seeds 1,2,3] [--class-split first-half|SEED] and bench accuracy's other options
  bench multitask     MVLPT and SoftCPT on the shipped source and target packs: multitask vs random prompt
                        initialisation (CoOp, VPT, UPT), best vs worst adaptation groups, SoftCPT vs
                        per-task CoOp: [--parts coop,vpt,upt,groups,softcpt] [--shots 1,4] [--group-shots 4]
                        [--seeds 1,2,3] [--epochs E] [--backend auto|webgpu|wasm|cpu] [--jobs N] [--out FILE]
  fingerprint         every op case's outputs and gradients (compared with the browser's by the e2e)
  zero-shot           zero-shot accuracy of a CLIP on ImageFolder tasks:
                        --model embedded|DIR|owner/name  --task DIR | --tasks DIR (with index.json)
                        [--template T | --templates FILE] [--split test|train] [--backend onnx|engine]
  train               few-shot training of a method, one run per seed, mean ± std of test accuracy:
                        --method zero-shot|linear-probe|coop|vpt-shallow|vpt-deep|upt|mudpt  --task DIR
                        [--model embedded|DIR] [--shots K] [--seeds 1,2,3] [--epochs E] [--lr LR]
                        [--batch-size B] [--optimizer sgd|adamw] [--weight-decay W] [--warmup-epochs N]
                        [--hyper key=value,...] [--no-augment] [--cached-views N]
                        [--out prompts.json|.safetensors]
                        (several seeds: one file per seed, prompts-seedN.json)
                      several tasks together (one classifier over their classes, batches mixing them,
                        each task validated and tested on its own classes; SoftCPT trains only so):
                        --method softcpt|coop|vpt|upt|…  --tasks DIR,DIR,…  [--sampling uniform|proportional]
  multitask           MVLPT: one prompt learnt on the source tasks, then each group of targets tuned from it:
                        --method coop|vpt|upt  --source DIR,…|none  --targets DIR,…  [--shots K] [--seeds 1,2,3]
                        [--groups none|auto|worst|a+b,c] [--group-size 2|3] [--matrix FILE]
                        [--source-epochs N] [--sampling uniform|proportional] and train's training options
  transfer            the task-transferability matrix (each task's prompt on every other task), normalised per
                        target, with each target's best one and two sources:
                        --method coop|vpt|upt  --tasks DIR,DIR,…  --out matrix.json  [--csv matrix.csv]
                        [--shots K] [--seed N] [--resume] [--state FILE] and train's training options
  eval                a prompt set's test accuracy on a task: --prompts FILE --task DIR [--model]
  predict             a prompt set's top classes for images: --prompts FILE IMAGE... [--top-k 3] [--model]

options:
  --json              machine-readable output
  --cpu               run on the CPU backend instead of WebGPU
  --quick             benchmarks: one timed repetition instead of three`;

type Command = (args: ReturnType<typeof parseArgs>) => Promise<number>;

const commands: Record<string, Command> = {
  'check engine': checkEngine,
  'check clip': checkClip,
  'check methods': checkMethods,
  'bench kernels': benchKernels,
  'bench step': benchStep,
  'bench accuracy': benchAccuracy,
  'bench generalisation': benchGeneralisation,
  'bench multitask': benchMultitask,
  fingerprint,
  'zero-shot': zeroShot,
  train,
  multitask,
  transfer,
  eval: evaluatePrompts,
  predict,
};

/** Runs one command; returns the process exit code (non-zero on failure). */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  // Commands are one word (`fingerprint`) or two (`check engine`); words after them are operands.
  const twoWords = args.positional.slice(0, 2).join(' ');
  const name = twoWords in commands ? twoWords : (args.positional[0] ?? '');
  const command = commands[name];
  if (!command || args.options.has('help')) {
    process.stderr.write(`${USAGE}\n`);
    return command || args.options.has('help') ? 0 : 2;
  }
  try {
    checkOptions(name, args);
    return await command(args);
  } catch (error) {
    const message = messageOf(error);
    if (args.options.has('json')) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(`prompt-studio ${name}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
