/**
 * `prompt-studio multitask --method coop|vpt|upt --source DIR,… --targets DIR,… [--groups …] --shots K
 * --seeds 1,2,3`: MVLPT (src/multitask/mvlpt.ts). Stage 1 learns one prompt on the source tasks' K-shot
 * sets together (`--source none` skips it: the targets then start from the method's own initialisation,
 * the single-task baselines); stage 2 starts every group of targets from it and tunes each group jointly.
 *
 * --groups none         every target alone (default): single-task adaptation
 * --groups a+b,c        the groups written out ('+' joins, ',' separates; unnamed targets alone)
 * --groups auto|worst   each target with its best (worst) --group-size − 1 other targets by the
 *                       transferability matrix over the targets: `--matrix FILE` from `transfer`, or
 *                       measured here first (with the first seed) on the targets' training pools, so
 *                       that the groups are not chosen on the test images they are scored on
 *
 * `--source-epochs N` sets stage 1's epochs apart from stage 2's (`--epochs`). Progress goes to stderr;
 * the per-target table (or --json) to stdout.
 */
import { readFile } from 'node:fs/promises';
import type { MethodDefinition } from '../../methods/method';
import {
  type AdaptationGroup,
  groupsFromMatrix,
  parseGroups,
  separateGroups,
} from '../../multitask/adaptation-groups';
import type { MultitaskEvent } from '../../multitask/multitask-trainer';
import { type MvlptSeedsResult, type MvlptStage, runMvlptSeeds } from '../../multitask/mvlpt';
import type { TransferMatrix } from '../../multitask/transfer-matrix';
import { onTrainingPools, runTransfer } from '../../multitask/transfer-run';
import { FeatureCache } from '../../train/feature-cache';
import type { FrozenClip } from '../../train/frozen-clip';
import type { TaskData } from '../../train/task-data';
import type { TrainingConfig } from '../../train/trainer';
import { TrainingControl } from '../../train/training-control';
import { numberOption, type ParsedArgs, requiredOption, stringOption, UsageError } from '../args';
import { multitaskProgress, readTaskList, resultSummary } from '../multitask-output';
import { emit, table } from '../output';
import { openModel } from '../studio-inputs';
import {
  formatDuration,
  parseHyperparameters,
  parseSeeds,
  percent,
  trainingOverrides,
} from '../training-options';
import { cancelOnInterrupt, samplingOption } from './train-tasks';
import { transferableMethod } from './transfer';

interface GroupChoice {
  kind: 'none' | 'spec' | 'auto' | 'worst';
  spec: string;
  size: 2 | 3;
}

function groupChoice(args: ParsedArgs): GroupChoice {
  const spec = stringOption(args, 'groups') ?? 'none';
  const size = numberOption(args, 'group-size', 2);
  if (size !== 2 && size !== 3) throw new UsageError(`--group-size must be 2 or 3, got ${size}`);
  const kind = spec === 'none' || spec === 'auto' || spec === 'worst' ? spec : 'spec';
  return { kind, spec, size };
}

async function readMatrix(path: string): Promise<TransferMatrix> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Partial<TransferMatrix>;
  if (!Array.isArray(json.tasks) || !Array.isArray(json.accuracy)) {
    throw new Error(`${path} is not a transferability matrix (prompt-studio transfer --out)`);
  }
  return { tasks: json.tasks, accuracy: json.accuracy };
}

export async function multitask(args: ParsedArgs): Promise<number> {
  const definition = transferableMethod(args);
  const sourceList = requiredOption(args, 'source', 'DIR,DIR,… (or none)');
  const sources = sourceList === 'none' ? [] : await readTaskList(args, 'source');
  const targets = await readTaskList(args, 'targets');
  const choice = groupChoice(args);
  const names = targets.map((t) => t.name);
  // A written-out spec is checked before the model loads.
  if (choice.kind === 'spec') parseGroups(choice.spec, names);
  const shots = numberOption(args, 'shots', 16);
  const seeds = parseSeeds(stringOption(args, 'seeds') ?? '1');
  const config = trainingOverrides(args);
  const sourceEpochs = args.options.has('source-epochs') ? numberOption(args, 'source-epochs', 0) : undefined;
  const hyperparameters = parseHyperparameters(stringOption(args, 'hyper'));
  const sampling = samplingOption(args);
  const matrixPath = stringOption(args, 'matrix');
  const { clip, identity } = await openModel(args);
  const started = performance.now();
  const control = new TrainingControl();
  const stopListening = cancelOnInterrupt(control, 'keeping what is trained so far');
  const featureCache = definition.input === 'image-features' ? new FeatureCache(clip) : undefined;
  try {
    const groups = await adaptationGroups(choice, targets, matrixPath, {
      clip,
      model: identity.sha256,
      definition,
      hyperparameters,
      shots,
      seed: seeds[0] as number,
      config,
      featureCache,
      control,
    });
    const result = await runMvlptSeeds(
      {
        clip,
        method: definition,
        hyperparameters,
        sources,
        targets,
        groups,
        shots,
        config,
        sourceConfig: sourceEpochs === undefined ? undefined : { epochs: sourceEpochs },
        sampling,
        featureCache,
      },
      seeds,
      { control, onEvent: stagePrinter(seeds.length > 1) },
    );
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      model: identity,
      method: definition.id,
      sources: sources.map((t) => t.name),
      targets: result.targets,
      average: result.average,
      groups,
      shots,
      seeds,
      sampling,
      seconds,
      cancelled: result.cancelled,
      runs: result.runs.map((run) => ({
        seed: run.seed,
        status: run.status,
        initialisation: run.initialisation && resultSummary(run.initialisation),
        adaptation: run.adaptation.map(resultSummary),
      })),
    };
    emit(args.options.has('json'), summary, () => report(definition, sources, result, shots, seconds));
    return result.cancelled ? 1 : 0;
  } finally {
    stopListening();
  }
}

/** One progress printer per seed and stage run, its lines prefixed with them. */
function stagePrinter(manySeeds: boolean): (seed: number, stage: MvlptStage, event: MultitaskEvent) => void {
  const printers = new Map<string, (event: MultitaskEvent) => void>();
  return (seed, stage, event) => {
    const prefix = `${manySeeds ? `seed ${seed} ` : ''}${stage.stage} [${stage.tasks.join('+')}]: `;
    let print = printers.get(prefix);
    if (!print) {
      print = multitaskProgress(prefix, stage.tasks);
      printers.set(prefix, print);
    }
    print(event);
  };
}

async function adaptationGroups(
  choice: GroupChoice,
  targets: readonly TaskData[],
  matrixPath: string | undefined,
  study: {
    clip: FrozenClip;
    model: string;
    definition: MethodDefinition;
    hyperparameters: ReturnType<typeof parseHyperparameters>;
    shots: number;
    seed: number;
    config: Partial<TrainingConfig>;
    featureCache: FeatureCache | undefined;
    control: TrainingControl;
  },
): Promise<AdaptationGroup[]> {
  const names = targets.map((t) => t.name);
  if (choice.kind === 'none') return separateGroups(names);
  if (choice.kind === 'spec') return parseGroups(choice.spec, names);
  let matrix: TransferMatrix;
  if (matrixPath !== undefined) {
    matrix = await readMatrix(matrixPath);
  } else {
    process.stderr.write(
      "measuring the transferability matrix over the targets' training pools first (or give --matrix FILE)\n",
    );
    const tasks = onTrainingPools(targets);
    const outcome = await runTransfer({ ...study, method: study.definition, tasks }, null, {
      control: study.control,
    });
    if (outcome.status === 'cancelled')
      throw new Error('cancelled while measuring the transferability matrix');
    matrix = outcome.matrix;
  }
  const groups = groupsFromMatrix(matrix, names, { size: choice.size, worst: choice.kind === 'worst' });
  for (const g of groups) process.stderr.write(`group for ${g.report[0]}: ${g.tasks.join('+')}\n`);
  return groups;
}

function report(
  definition: MethodDefinition,
  sources: readonly TaskData[],
  result: MvlptSeedsResult,
  shots: number,
  seconds: number,
): string {
  const start =
    sources.length > 0
      ? `from one prompt learnt on ${sources.map((t) => t.name).join(', ')}`
      : 'from random prompts';
  return [
    `${definition.id}, ${shots} shots per class, targets adapted ${start}`,
    '',
    table(
      ['target', 'group', 'test %', '±'],
      result.targets.map((t) => [
        t.task,
        t.group.join('+'),
        percent(t.accuracy.mean),
        percent(t.accuracy.std),
      ]),
    ),
    '',
    `average ${percent(result.average)}% over ${result.targets.length} targets and ${result.runs.length} seed` +
      `${result.runs.length === 1 ? '' : 's'}${result.cancelled ? ' (cancelled)' : ''}; ${formatDuration(seconds)}`,
  ].join('\n');
}
