import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkClipParity, PARITY_FIXTURE } from '../../clip/parity';
import { readModelDir } from '../../clip/sources/node-dir';
import type { ParsedArgs } from '../args';
import { stringOption } from '../args';
import { openCommandBackend } from '../engine-backend';
import { emit, formatError, table } from '../output';

const EMBEDDED_MODEL_DIR = new URL('../../../models/tiny-clip/', import.meta.url).pathname;

/**
 * A CLIP folder's towers on the engine and on onnxruntime against the golden PyTorch embeddings the folder
 * carries (`fixtures/embeddings.safetensors`; the embedded model's build writes them).
 */
export async function checkClip(args: ParsedArgs): Promise<number> {
  const spec = stringOption(args, 'model') ?? 'embedded';
  const dir = spec === 'embedded' ? EMBEDDED_MODEL_DIR : spec;
  const files = await readModelDir(dir);
  const fixturePath = join(dir, PARITY_FIXTURE);
  const fixture = await readFile(fixturePath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? `${fixturePath} does not exist: the parity check needs golden PyTorch embeddings beside the model`
        : `${fixturePath}: ${error.message}`,
    );
  });
  const report = await checkClipParity(files, fixture, await openCommandBackend(args));
  emit(args.options.has('json'), report, () =>
    [
      `model ${spec}: ${report.texts} texts and ${report.images} images from ${PARITY_FIXTURE}`,
      `engine: ${report.engine} (${report.seconds.engine.toFixed(1)} s)`,
      `onnxruntime: ${report.onnxruntime} (${report.seconds.onnxruntime.toFixed(1)} s)`,
      '',
      table(
        ['L2-normalised embeddings', 'text max |Δ|', 'image max |Δ|', 'ok'],
        report.pairs.map((p) => [
          p.label,
          formatError(p.text),
          formatError(p.image),
          p.passed ? 'yes' : 'NO',
        ]),
      ),
      '',
      report.passed
        ? `clip check passed (every max |Δ| ≤ ${report.tolerance})`
        : `clip check FAILED (tolerance ${report.tolerance})`,
    ].join('\n'),
  );
  return report.passed ? 0 : 1;
}
