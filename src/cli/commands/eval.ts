/** `prompt-studio eval`: a saved prompt set's accuracy on an ImageFolder task's test split. */
import { PromptSetPredictor } from '../../prompts/predict';
import { checkModel } from '../../prompts/prompt-set';
import type { ParsedArgs } from '../args';
import { requiredOption } from '../args';
import { emit, table } from '../output';
import { openModel, readPromptSetFile, readTask } from '../studio-inputs';

const percent = (x: number | null | undefined) =>
  x === null || x === undefined ? '-' : (100 * x).toFixed(1);

export async function evaluatePrompts(args: ParsedArgs): Promise<number> {
  const promptsPath = requiredOption(args, 'prompts', 'FILE (a prompt set from train --out)');
  const taskDir = requiredOption(args, 'task', 'DIR (an ImageFolder task)');
  // The file and the task are checked before the model loads, so bad ones fail fast.
  const set = await readPromptSetFile(promptsPath);
  // The set's class order fixes the labels: the task's class folders must be the same classes.
  const { task, skipped } = await readTask(taskDir, set.task.classes).catch((error: Error) => {
    throw new Error(`the prompt set classifies ${set.task.classes.join(', ')}: ${error.message}`);
  });
  if (task.test.length === 0) throw new Error(`${taskDir} has no test images (test/<class>/…)`);
  const { clip, identity } = await openModel(args);
  checkModel(set.model, identity);
  const predictor = PromptSetPredictor.create(set, clip);
  try {
    const report = await predictor.evaluate(task.test);
    const summary = {
      prompts: promptsPath,
      method: set.method,
      task: task.name,
      classes: task.classes,
      ...report,
      skipped,
    };
    emit(args.options.has('json'), summary, () =>
      [
        `${set.method} prompt set ${promptsPath} on ${task.name}: ${task.test.length} test images`,
        '',
        table(
          ['class', 'images', 'accuracy %'],
          task.classes.map((name, i) => [name, String(report.counts[i] ?? 0), percent(report.perClass[i])]),
        ),
        '',
        `test accuracy ${percent(report.top1)}% (top-${report.topK.k} ${percent(report.topK.accuracy)}%)` +
          (set.metrics.testAccuracy === null
            ? ''
            : `; recorded at training: ${percent(set.metrics.testAccuracy)}%`),
        ...skipped.map((s) => `skipped ${s.path}: ${s.reason}`),
      ].join('\n'),
    );
  } finally {
    predictor.dispose();
  }
  return 0;
}
