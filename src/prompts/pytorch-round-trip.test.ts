// A prompt set exported as .safetensors means in PyTorch what it means here: the CLI trains CoOp and
// VPT-deep and predicts, fixtures/methods/predict_prompt_set.py loads the export into the methods'
// reference modules (CoOp's PromptLearner, MVLPT's VPT ImageEncoder) and must give the same probabilities.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePromptSet } from './prompt-set';
import { promptSetSafetensors } from './safetensors-export';

const PYTHON = '/usr/bin/python3';
const TASK = 'public/tasks/stripes';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch, PIL'], { encoding: 'utf8' }).status !== 0;
if (torchMissing)
  console.warn(`skipping the PyTorch round trip: ${PYTHON} has no torch or PIL (npm run setup -- --python)`);

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Two test images of every class of the pack. */
function testImages(): string[] {
  const classes = readdirSync(join(TASK, 'test')).sort();
  return classes.flatMap((name) => ['000.png', '001.png'].map((file) => join(TASK, 'test', name, file)));
}

describe.skipIf(torchMissing || !existsSync(TASK))('an exported prompt set in PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'round-trip-'));
  const images = testImages();

  it.each(['coop', 'vpt-deep'])('%s: the reference predicts what the studio predicts', (method) => {
    const json = join(dir, `${method}.json`);
    const cli = ['bin/prompt-studio.mjs'];
    run('node', [
      ...cli,
      'train',
      '--method',
      method,
      '--task',
      TASK,
      '--shots',
      '2',
      '--seeds',
      '1',
      '--epochs',
      '2',
      '--cpu',
      '--out',
      json,
    ]);
    const set = parsePromptSet(readFileSync(json, 'utf8'));
    const exported = join(dir, `${method}.safetensors`);
    writeFileSync(exported, promptSetSafetensors(set));

    const classes = set.task.classes;
    const ours = JSON.parse(
      run('node', [
        ...cli,
        'predict',
        '--prompts',
        json,
        '--top-k',
        String(classes.length),
        '--json',
        '--cpu',
        ...images,
      ]),
    ) as { predictions: { top: { className: string; probability: number }[] }[] };
    const theirs = JSON.parse(
      run(PYTHON, ['fixtures/methods/predict_prompt_set.py', '--prompts', exported, ...images]),
    ) as {
      method: string;
      classNames: string[];
      probabilities: number[][];
    };

    expect(theirs.method).toBe(method);
    expect(theirs.classNames).toEqual(classes);
    expect(theirs.probabilities).toHaveLength(images.length);
    let worst = 0;
    ours.predictions.forEach((prediction, i) => {
      const reference = theirs.probabilities[i] as number[];
      expect(prediction.top[0]?.className).toBe(classes[reference.indexOf(Math.max(...reference))]);
      for (const { className, probability } of prediction.top) {
        worst = Math.max(worst, Math.abs(probability - (reference[classes.indexOf(className)] as number)));
      }
    });
    expect(worst).toBeLessThan(1e-4);
  });
});
