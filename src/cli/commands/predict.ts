/** `prompt-studio predict`: a saved prompt set's top-k classes for image files. */
import { PromptSetPredictor } from '../../prompts/predict';
import { checkModel } from '../../prompts/prompt-set';
import { numberOption, type ParsedArgs, requiredOption, UsageError } from '../args';
import { emit } from '../output';
import { openModel, readImages, readPromptSetFile } from '../studio-inputs';

export async function predict(args: ParsedArgs): Promise<number> {
  const promptsPath = requiredOption(args, 'prompts', 'FILE (a prompt set from train --out)');
  const k = numberOption(args, 'top-k', 3);
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`--top-k must be a whole number ≥ 1, got ${k}`);
  const images = await readImages(args.positional.slice(1));
  // The file is checked before the model loads, so a bad one fails fast; then against the model.
  const set = await readPromptSetFile(promptsPath);
  const { clip, identity } = await openModel(args);
  checkModel(set.model, identity);
  const predictor = PromptSetPredictor.create(set, clip);
  try {
    const predictions = await predictor.predict(images, k);
    emit(args.options.has('json'), { prompts: promptsPath, method: set.method, predictions }, () =>
      predictions
        .map(
          (p) =>
            `${p.id}: ${p.top.map((s) => `${s.className} ${(100 * s.probability).toFixed(1)}%`).join(', ')}`,
        )
        .join('\n'),
    );
  } finally {
    predictor.dispose();
  }
  return 0;
}
