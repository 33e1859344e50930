import { harmonicMean, meanAndStd } from '../../common/statistics';
import type { MethodId } from '../../methods/method';
import { methodDefinitions } from '../../methods/registry';
import { promptSetFromResult } from '../../prompts/prompt-set';
import { splitBaseNovel } from '../../train/base-to-novel';
import { FeatureCache } from '../../train/feature-cache';
import { sampleFewShot } from '../../train/few-shot';
import { trainSeeds } from '../../train/train-seeds';
import type { TrainingEvent, TrainingResult } from '../../train/trainer';
import { TrainingControl } from '../../train/training-control';
import { numberOption, type ParsedArgs, requiredOption, stringOption, UsageError } from '../args';
import { emit, table } from '../output';
import { suffixedPath, writePromptSet } from '../prompt-set-files';
import { openModel, readTask } from '../studio-inputs';
import {
  classSplitOption,
  formatDuration,
  parseHyperparameters,
  parseSeeds,
  percent,
  trainingOverrides,
} from '../training-options';
import { trainTasks } from './train-tasks';

export async function train(args: ParsedArgs): Promise<number> {
  // Several tasks at once (SoftCPT, or one prompt shared by the tasks): the multitask trainer.
  if (args.options.has('tasks')) return trainTasks(args);
  const methodId = requiredOption(args, 'method', `(${Object.keys(methodDefinitions).join('|')})`);
  const definition = methodDefinitions[methodId as MethodId];
  if (!definition) {
    throw new UsageError(`--method ${methodId} is not one of ${Object.keys(methodDefinitions).join(', ')}`);
  }
  if (definition.requiresTasks)
    throw new UsageError(`${methodId} trains several tasks together: give --tasks DIR,DIR,…`);
  const taskDir = requiredOption(args, 'task', 'DIR (an ImageFolder task)');
  const shots = numberOption(args, 'shots', 16);
  const seeds = parseSeeds(stringOption(args, 'seeds') ?? '1');
  const config = trainingOverrides(args);
  const hyperparameters = parseHyperparameters(stringOption(args, 'hyper'));
  const out = stringOption(args, 'out');
  const json = args.options.has('json');

  const whole = await readTask(taskDir);
  const { skipped } = whole;
  for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
  if (whole.task.test.length === 0) throw new Error(`${taskDir} has no test images (test/<class>/…)`);
  // Base-to-novel: train on the base half of the classes, test on both halves (train/base-to-novel.ts).
  const halves = args.options.has('base-to-novel')
    ? splitBaseNovel(whole.task, classSplitOption(args))
    : null;
  if (halves && !definition.scoresUnseenClasses)
    throw new UsageError(
      `--base-to-novel: ${methodId} cannot score classes it never trained on (weights per class)`,
    );
  const task = halves?.base ?? whole.task;
  // The trainer samples the same way; doing it here fails a class without images before the model loads.
  if (definition.training) sampleFewShot(task.train, task.classes, shots, seeds[0] as number);
  const { clip, identity } = await openModel(args);
  const started = performance.now();
  // Ctrl-C once stops training and keeps the best checkpoint so far (saved with --out); twice, exits.
  const control = new TrainingControl();
  const cancel = () => {
    process.stderr.write('stopping: keeping the best checkpoint so far (Ctrl-C again to quit)\n');
    control.cancel();
  };
  process.once('SIGINT', cancel);
  const featureCache =
    definition.input === 'image-features'
      ? new FeatureCache(clip, numberOption(args, 'cached-views', 0))
      : undefined;
  const run = {
    clip,
    method: definition,
    hyperparameters,
    task,
    novel: halves?.novel,
    shots,
    config,
    featureCache,
  };
  const result = await trainSeeds(run, seeds, {
    onEvent: progressPrinter(seeds.length),
    control,
  }).finally(() => process.removeListener('SIGINT', cancel));
  const seconds = (performance.now() - started) / 1000;

  const written: string[] = [];
  if (out !== undefined) {
    for (const run of result.runs) {
      const path = seeds.length === 1 ? out : suffixedPath(out, [`seed${run.seed}`]);
      await writePromptSet(path, promptSetFromResult(run, identity));
      written.push(path);
    }
  }
  const summary = {
    model: identity,
    method: methodId,
    task: task.name,
    classes: task.classes,
    shots,
    seeds,
    testAccuracy: result.testAccuracy,
    baseToNovel: halves && baseToNovelFigures(result.runs),
    trainableParameters: result.runs[0]?.trainableParameters ?? 0,
    seconds,
    runs: result.runs.map(({ learnables: _, ...run }) => run),
    skipped,
    written,
  };
  emit(json, summary, () => report(result.runs, seconds, written));
  return result.cancelled ? 1 : 0;
}

/** About twenty epoch lines per seed, plus feature-cache progress and each seed's result. */
function progressPrinter(seedCount: number): (seed: number, event: TrainingEvent) => void {
  let lastStep: Extract<TrainingEvent, { type: 'step' }> | null = null;
  return (seed, event) => {
    const prefix = seedCount > 1 ? `seed ${seed}: ` : '';
    if (event.type === 'features' && event.done === event.total) {
      process.stderr.write(`${prefix}image features cached for ${event.total} images\n`);
    } else if (event.type === 'step') {
      lastStep = event;
    } else if (event.type === 'epoch') {
      const every = Math.ceil(event.epochs / 20);
      if (event.epoch % every !== 0 && event.epoch + 1 !== event.epochs) return;
      const best = event.best ? ` (best ${percent(event.best.valAccuracy)}% @${event.best.epoch + 1})` : '';
      const rate = lastStep
        ? `  lr ${lastStep.lr.toExponential(1)}  ${lastStep.stepsPerSecond.toFixed(1)} steps/s  ` +
          `eta ${formatDuration(lastStep.etaSeconds)}`
        : '';
      process.stderr.write(
        `${prefix}epoch ${event.epoch + 1}/${event.epochs}  loss ${event.trainLoss.toFixed(4)}  ` +
          `val ${percent(event.valAccuracy)}%${best}${rate}\n`,
      );
    } else if (event.type === 'done') {
      process.stderr.write(
        `${prefix}test accuracy ${percent(event.result.test.top1)}% (${event.result.status})\n`,
      );
      lastStep = null;
    }
  };
}

/** Base-to-novel: the novel classes, and base, novel and harmonic-mean accuracy mean ± std over the seeds. */
function baseToNovelFigures(runs: readonly TrainingResult[]) {
  const novel = runs.map((r) => r.novel?.test.top1 ?? 0);
  return {
    novelClasses: runs[0]?.novel?.classes ?? [],
    base: meanAndStd(runs.map((r) => r.test.top1)),
    novel: meanAndStd(novel),
    harmonicMean: meanAndStd(runs.map((r, i) => harmonicMean(r.test.top1, novel[i] as number))),
  };
}

function report(runs: readonly TrainingResult[], seconds: number, written: readonly string[]): string {
  const first = runs[0] as TrainingResult;
  const { mean, std } = meanAndStd(runs.map((r) => r.test.top1));
  if (first.novel) return baseToNovelReport(runs, seconds, written);
  const lines = [
    `${first.method} on ${first.task} (${first.classes.length} classes), ${first.shots} shots per class: ` +
      `${first.examples.train} training + ${first.examples.validation} validation images, ${first.examples.test} test`,
    '',
    table(
      ['seed', 'test %', 'val %', 'kept epoch', 'epochs', 'time'],
      runs.map((r) => [
        String(r.seed),
        percent(r.test.top1),
        percent(r.best?.valAccuracy),
        r.best ? String(r.best.epoch + 1) : r.epochsRun ? 'last' : '-',
        r.status === 'cancelled' ? `${r.epochsRun} (cancelled)` : String(r.epochsRun),
        formatDuration(r.seconds),
      ]),
    ),
    '',
    `test accuracy ${percent(mean)} ± ${percent(std)}% over ${runs.length} seed${runs.length === 1 ? '' : 's'}; ` +
      `${first.trainableParameters.toLocaleString('en')} trainable parameters; ${formatDuration(seconds)} in all`,
  ];
  if (first.shortClasses.length > 0) {
    lines.push(
      `classes with fewer than ${first.shots} training images (all used): ` +
        first.shortClasses.map((c) => `${c.name} (${c.available})`).join(', '),
    );
  }
  for (const path of written) lines.push(`wrote ${path}`);
  return lines.join('\n');
}

function baseToNovelReport(
  runs: readonly TrainingResult[],
  seconds: number,
  written: readonly string[],
): string {
  const first = runs[0] as TrainingResult;
  const novelCount = first.novel?.classes.length ?? 0;
  const figures = baseToNovelFigures(runs);
  const spread = (s: { mean: number; std: number }) => `${percent(s.mean)} ± ${percent(s.std)}`;
  return [
    `${first.method} on ${first.task}, base-to-novel: trained on the ${first.classes.length} base classes ` +
      `(${first.classes.join(', ')}), ${first.shots} shots per class; tested on them and on ${novelCount} novel classes`,
    '',
    table(
      ['seed', 'base %', 'novel %', 'HM %', 'val %', 'kept epoch', 'time'],
      runs.map((r) => [
        String(r.seed),
        percent(r.test.top1),
        percent(r.novel?.test.top1),
        percent(harmonicMean(r.test.top1, r.novel?.test.top1 ?? 0)),
        percent(r.best?.valAccuracy),
        r.best ? String(r.best.epoch + 1) : r.epochsRun ? 'last' : '-',
        formatDuration(r.seconds),
      ]),
    ),
    '',
    `base ${spread(figures.base)}%, novel ${spread(figures.novel)}%, harmonic mean ${spread(figures.harmonicMean)}% ` +
      `over ${runs.length} seed${runs.length === 1 ? '' : 's'}; ${formatDuration(seconds)} in all`,
    ...written.map((path) => `wrote ${path} (its classes are the base ones)`),
  ].join('\n');
}
