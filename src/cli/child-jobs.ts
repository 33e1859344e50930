/**
 * Benchmarks split across processes: Node runs a process's JavaScript on one core, so the CPU backend uses
 * a machine's cores only with one process each. Each job is `prompt-studio <command> … --json` run again with
 * its own share of the work; its stderr lines are passed on prefixed with the job, its stdout parsed.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import type { BackendKind } from '../engine/backend';
import { numberOption, type ParsedArgs, UsageError } from './args';

const CLI = new URL('../../bin/prompt-studio.mjs', import.meta.url).pathname;

/**
 * `--jobs N`: processes to split a benchmark into. By default one per core (two at most) on the CPU and
 * wasm backends, whose process runs on one core; one on a GPU, which a single process shares better.
 */
export function jobsOption(args: ParsedArgs, backend: BackendKind): number {
  const jobs = numberOption(args, 'jobs', backend !== 'webgpu' ? Math.min(2, availableParallelism()) : 1);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs must be a whole number ≥ 1');
  return jobs;
}

/** The command line's options as argv, without those the jobs are given their own values for. */
export function passedOptions(args: ParsedArgs, own: readonly string[]): string[] {
  return [...args.options]
    .filter(([name]) => !own.includes(name))
    .flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]));
}

/** Runs `prompt-studio` with each argv at once and resolves with their parsed JSON outputs, in order. */
export function runJsonJobs<T>(argvs: readonly (readonly string[])[]): Promise<T[]> {
  return Promise.all(
    argvs.map((argv, i) => {
      const child = spawn(process.execPath, [CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      createInterface({ input: child.stderr }).on('line', (line) =>
        process.stderr.write(`job ${i + 1}: ${line}\n`),
      );
      return new Promise<T>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) => {
          if (code === 0) resolve(JSON.parse(stdout) as T);
          else reject(new Error(`job ${i + 1} (${argv.join(' ')}) exited with ${code}`));
        });
      });
    }),
  );
}
