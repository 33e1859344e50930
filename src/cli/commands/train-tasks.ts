/**
 * `prompt-studio train --method M --tasks DIR,DIR,…`: few-shot training of one method on several tasks
 * together, one run per seed (src/multitask/multitask-trainer.ts): one classifier over all the tasks'
 * classes, batches mixing the tasks, each task validated and tested on its own classes. SoftCPT trains only
 * this way; CoOp, VPT and UPT trained this way learn one prompt for all the tasks (MVLPT's MCoOp, MVPT, MUPT).
 * `--sampling uniform|proportional` picks how batches draw on the tasks. Progress goes to stderr; the
 * per-task table (or --json) to stdout.
 */

import { meanAndStd } from '../../common/statistics';
import { TASK_SAMPLINGS, type TaskSampling } from '../../multitask/mixed-batches';
import { type MultitaskResult, trainMultitask } from '../../multitask/multitask-trainer';
import { promptSetsFromMultitask } from '../../sessions/multitask-prompt-sets';
import { FeatureCache } from '../../train/feature-cache';
import { TrainingControl } from '../../train/training-control';
import { numberOption, type ParsedArgs, stringOption, UsageError } from '../args';
import { multitaskProgress, readTaskList, resultSummary, trainableMethod } from '../multitask-output';
import { emit, table } from '../output';
import { suffixedPath, writePromptSet } from '../prompt-set-files';
import { openModel } from '../studio-inputs';
import {
  formatDuration,
  parseHyperparameters,
  parseSeeds,
  percent,
  trainingOverrides,
} from '../training-options';

export function samplingOption(args: ParsedArgs): TaskSampling {
  const sampling = stringOption(args, 'sampling') ?? 'uniform';
  if (!TASK_SAMPLINGS.includes(sampling as TaskSampling)) {
    throw new UsageError(`--sampling must be ${TASK_SAMPLINGS.join(' or ')}, got ${sampling}`);
  }
  return sampling as TaskSampling;
}

/** Ctrl-C once cancels through `control` (the run keeps its best so far); twice, the process exits. */
export function cancelOnInterrupt(control: TrainingControl, what: string): () => void {
  const cancel = () => {
    process.stderr.write(`stopping: ${what} (Ctrl-C again to quit)\n`);
    control.cancel();
  };
  process.once('SIGINT', cancel);
  return () => process.removeListener('SIGINT', cancel);
}

export async function trainTasks(args: ParsedArgs): Promise<number> {
  if (args.options.has('task')) throw new UsageError('give --task DIR or --tasks DIR,DIR,…, not both');
  const definition = trainableMethod(args, () => true);
  const tasks = await readTaskList(args, 'tasks');
  const shots = numberOption(args, 'shots', 16);
  const seeds = parseSeeds(stringOption(args, 'seeds') ?? '1');
  const sampling = samplingOption(args);
  const config = trainingOverrides(args);
  const hyperparameters = parseHyperparameters(stringOption(args, 'hyper'));
  const { clip, identity } = await openModel(args);
  const started = performance.now();
  const control = new TrainingControl();
  const stopListening = cancelOnInterrupt(control, 'keeping the best checkpoints so far');
  const featureCache =
    definition.input === 'image-features'
      ? new FeatureCache(clip, numberOption(args, 'cached-views', 0))
      : undefined;
  const names = tasks.map((t) => t.name);
  const runs: MultitaskResult[] = [];
  try {
    for (const seed of seeds) {
      const prefix = seeds.length > 1 ? `seed ${seed}: ` : '';
      const result = await trainMultitask(
        { clip, method: definition, hyperparameters, tasks, shots, seed, config, sampling, featureCache },
        { control, onEvent: multitaskProgress(prefix, names) },
      );
      runs.push(result);
      if (result.status === 'cancelled') break;
    }
  } finally {
    stopListening();
  }
  const seconds = (performance.now() - started) / 1000;
  const out = stringOption(args, 'out');
  const written: string[] = [];
  if (out !== undefined) {
    // One single-task prompt set per task (and seed): see multitask-prompt-sets.ts for what each carries.
    for (const run of runs) {
      for (const set of await promptSetsFromMultitask(run, clip, identity)) {
        const path = suffixedPath(out, [set.task.name, ...(seeds.length > 1 ? [`seed${run.seed}`] : [])]);
        await writePromptSet(path, set);
        written.push(path);
      }
    }
  }
  const perTask = names.map((task, t) => ({
    task,
    classes: tasks[t]?.classes ?? [],
    testAccuracy: meanAndStd(runs.map((r) => r.tasks[t]?.test.top1 ?? 0)),
  }));
  const average = meanAndStd(perTask.map((t) => t.testAccuracy.mean)).mean;
  const summary = {
    model: identity,
    method: definition.id,
    tasks: perTask,
    average,
    shots,
    seeds,
    sampling,
    trainableParameters: runs[0]?.trainableParameters ?? 0,
    seconds,
    runs: runs.map(resultSummary),
    written,
  };
  emit(args.options.has('json'), summary, () =>
    [
      `${definition.id} on ${names.length} tasks together (${sampling} sampling), ${shots} shots per class`,
      '',
      table(
        ['task', 'classes', 'test %', '±', 'kept epochs'],
        perTask.map((t, i) => [
          t.task,
          String(t.classes.length),
          percent(t.testAccuracy.mean),
          percent(t.testAccuracy.std),
          runs.map((r) => (r.tasks[i]?.best ? String(r.tasks[i].best.epoch + 1) : 'last')).join(','),
        ]),
      ),
      '',
      `average ${percent(average)}% over ${names.length} tasks and ${runs.length} seed${runs.length === 1 ? '' : 's'}; ` +
        `${summary.trainableParameters.toLocaleString('en')} trainable parameters; ${formatDuration(seconds)} in all`,
      ...written.map((path) => `wrote ${path}`),
    ].join('\n'),
  );
  return runs.some((r) => r.status === 'cancelled') ? 1 : 0;
}
