import { parseArgs, UsageError } from './args';
import { benchKernels } from './commands/bench-kernels';
import { checkEngine } from './commands/check-engine';
import { fingerprint } from './commands/fingerprint';

const USAGE = `usage: prompt-studio <command> [options] [--json]

commands:
  check engine        every op's GPU forward/backward vs the CPU reference, and vs finite differences
  bench kernels       matmul GFLOP/s at ViT-B/16 shapes; one CLIP block's forward/backward time and memory
  fingerprint         every op case's outputs and gradients (compared with the browser's by the e2e)

options:
  --json              machine-readable output
  --cpu               run on the CPU backend instead of WebGPU
  --quick             benchmarks: one timed repetition instead of three`;

type Command = (args: ReturnType<typeof parseArgs>) => Promise<number>;

const commands: Record<string, Command> = {
  'check engine': checkEngine,
  'bench kernels': benchKernels,
  fingerprint,
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
