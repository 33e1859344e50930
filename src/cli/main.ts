import { parseArgs, UsageError } from './args';
import { benchKernels } from './commands/bench-kernels';
import { checkEngine } from './commands/check-engine';
import { checkMethods } from './commands/check-methods';
import { evaluatePrompts } from './commands/eval';
import { fingerprint } from './commands/fingerprint';
import { predict } from './commands/predict';
import { train } from './commands/train';
import { zeroShot } from './commands/zero-shot';

const USAGE = `usage: prompt-studio <command> [options] [--json]

commands:
  check engine        every op's GPU forward/backward vs the CPU reference, and vs finite differences
  check methods       every method's gradients on fixtures/methods/*.safetensors vs its PyTorch reference
                        [--model DIR] [--fixtures DIR]
  bench kernels       matmul GFLOP/s at ViT-B/16 shapes; one CLIP block's forward/backward time and memory
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
  eval                a prompt set's test accuracy on a task: --prompts FILE --task DIR [--model]
  predict             a prompt set's top classes for images: --prompts FILE IMAGE... [--top-k 3] [--model]

options:
  --json              machine-readable output
  --cpu               run on the CPU backend instead of WebGPU
  --quick             benchmarks: one timed repetition instead of three`;

type Command = (args: ReturnType<typeof parseArgs>) => Promise<number>;

const commands: Record<string, Command> = {
  'check engine': checkEngine,
  'check methods': checkMethods,
  'bench kernels': benchKernels,
  fingerprint,
  'zero-shot': zeroShot,
  train,
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
    return await command(args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (args.options.has('json')) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(`prompt-studio ${name}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
