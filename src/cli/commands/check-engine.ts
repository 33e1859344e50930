import { readFileSync } from 'node:fs';
import { ClipBlockFixture } from '../../engine/check/clip-block-fixture';
import { runEngineSelfTest } from '../../engine/check/self-test';
import type { ParsedArgs } from '../args';
import { openCommandBackend } from '../engine-backend';
import { emit, formatError, table } from '../output';

const BLOCK_FIXTURE = new URL('../../../fixtures/engine/clip_block.safetensors', import.meta.url);

/**
 * Every op's forward and backward against the CPU reference, the reference against finite differences, and
 * CLIP residual attention blocks (with and without checkpointing) against PyTorch autograd.
 */
export async function checkEngine(args: ParsedArgs): Promise<number> {
  const backend = await openCommandBackend(args);
  const ops = await runEngineSelfTest(backend, { finiteDifferences: true });
  const clipBlock = await new ClipBlockFixture(readFileSync(BLOCK_FIXTURE)).check(backend);
  const passed = ops.passed && clipBlock.every((r) => r.passed);
  const result = { ...ops, clipBlock, passed };
  emit(args.options.has('json'), result, () =>
    [
      `backend: ${ops.backend}`,
      table(
        ['op', 'forward', 'backward', 'finite diff', 'ok'],
        ops.ops.map((op) => [
          op.name,
          formatError(op.forwardError),
          op.backwardErrors.map(formatError).join(' '),
          formatError(op.finiteDifferenceError ?? Number.NaN),
          op.passed ? 'yes' : 'NO',
        ]),
      ),
      `${ops.ops.filter((op) => op.passed).length}/${ops.ops.length} ops within tolerance ` +
        `(GPU ≤ ${ops.tolerance.gpu}, finite differences ≤ ${ops.tolerance.finiteDifference})`,
      '',
      table(
        ['CLIP block vs PyTorch autograd', 'output', 'worst gradient', 'ok'],
        clipBlock.map((r) => [
          `${r.scenario}${r.checkpointed ? ' (checkpointed)' : ''}`,
          formatError(r.outputError),
          formatError(Math.max(0, ...Object.values(r.gradientErrors))),
          r.passed ? 'yes' : 'NO',
        ]),
      ),
      passed ? 'engine check passed' : 'engine check FAILED',
    ].join('\n'),
  );
  return passed ? 0 : 1;
}
