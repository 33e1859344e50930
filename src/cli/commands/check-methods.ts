import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadClipModel } from '../../clip/clip-model';
import { readModelDir } from '../../clip/sources/node-dir';
import { ClipTokenizer } from '../../clip/tokenizer';
import {
  checkMethodGradients,
  METHOD_GRADIENT_TOLERANCE,
  type MethodGradientReport,
  parseMethodFixture,
} from '../../methods/check/method-gradients';
import { type ParsedArgs, UsageError } from '../args';
import { openCommandBackend } from '../engine-backend';
import { emit, formatError, table } from '../output';

const EMBEDDED_MODEL_DIR = new URL('../../../models/tiny-clip/', import.meta.url).pathname;
const METHOD_FIXTURES_DIR = new URL('../../../fixtures/methods/', import.meta.url).pathname;

/**
 * Every method fixture (fixtures/methods/*.safetensors) against the engine: each learnable's gradient of the
 * batch's cross-entropy vs the PyTorch reference's. `--model DIR --fixtures DIR` check another model's
 * fixtures (written by the same scripts with --model/--out).
 */
export async function checkMethods(args: ParsedArgs): Promise<number> {
  const option = (name: string, fallback: string) => {
    const value = args.options.get(name) ?? fallback;
    if (value === true) throw new UsageError(`--${name} needs a folder`);
    return value;
  };
  const modelDir = option('model', EMBEDDED_MODEL_DIR);
  const fixturesDir = option('fixtures', METHOD_FIXTURES_DIR);
  const names = (await readdir(fixturesDir)).filter((name) => name.endsWith('.safetensors')).sort();
  if (names.length === 0) throw new Error(`${fixturesDir} has no .safetensors fixtures`);

  const backend = await openCommandBackend(args);
  const files = await readModelDir(modelDir);
  const model = loadClipModel(files, backend);
  const tokenizer = ClipTokenizer.fromJson(files.tokenizer, files.tokenizerConfig ?? undefined);
  const reports: MethodGradientReport[] = [];
  try {
    for (const name of names) {
      const fixture = parseMethodFixture(new Uint8Array(await readFile(join(fixturesDir, name))), name);
      reports.push(await checkMethodGradients(fixture, model, tokenizer, name));
    }
  } finally {
    model.dispose();
  }
  const passed = reports.every((r) => r.passed);
  const result = { backend: backend.name, tolerance: METHOD_GRADIENT_TOLERANCE, methods: reports, passed };
  emit(args.options.has('json'), result, () =>
    [
      `backend: ${backend.name}`,
      table(
        ['fixture', 'method', 'loss', 'logits', 'tensors', 'worst gradient', 'worst row', 'row bar', 'ok'],
        reports.map((r) => {
          const worst = [...r.gradients].sort((a, b) => b.error - a.error)[0];
          const worstRow = [...r.gradients].sort((a, b) => b.rowError - a.rowError)[0];
          return [
            r.fixture,
            r.method,
            formatError(r.lossError),
            formatError(r.logitsError),
            String(r.gradients.length),
            worst ? `${formatError(worst.error)} ${worst.name}` : '-',
            worstRow ? `${formatError(worstRow.rowError)} ${worstRow.name}[${worstRow.worstRow}]` : '-',
            r.rowTolerance === null ? '-' : formatError(r.rowTolerance),
            r.passed ? 'yes' : 'NO',
          ];
        }),
      ),
      ...reports.flatMap((r) => r.mismatches.map((m) => `${r.fixture}: ${m}`)),
      `${reports.filter((r) => r.passed).length}/${reports.length} fixtures within ${METHOD_GRADIENT_TOLERANCE} ` +
        '(max|Δ| / max|reference| of each gradient and the logits; relative loss difference); fixtures with a ' +
        'row bar also hold every gradient row to it against its own scale',
      passed ? 'method check passed' : 'method check FAILED',
    ].join('\n'),
  );
  return passed ? 0 : 1;
}
