import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import {
  artifact,
  dropFile,
  expectNamedControls,
  freshPage,
  importPromptSets,
  openPanel,
  predictOnImage,
  repoRoot,
  type ShownScore,
  scores,
} from './studio-page';

const run = promisify(execFile);

const TASK = 'counting';
const IMAGE = `public/tasks/${TASK}/test/two/000.png`;
/** The label the Library gives the CLI's set: method, task, shots and seed from the document. */
const LABEL = 'CoOp · counting · 2-shot seed 1';
/**
 * n_ctx 4 starts CoOp from the words "a photo of a"; one epoch at the warm-up rate (1e-5) barely moves them,
 * so the nearest words the browser finds are known in advance.
 */
const CONTEXT_WORDS = ['a', 'photo', 'of', 'a'];

/** A CoOp prompt set trained by the CLI in Node: the file a person would bring to the studio. */
async function cliPromptSet(out: string): Promise<string> {
  await run(
    'node',
    [
      'bin/prompt-studio.mjs',
      'train',
      '--method',
      'coop',
      '--task',
      `public/tasks/${TASK}`,
      '--shots',
      '2',
      '--seeds',
      '1',
      '--epochs',
      '1',
      '--hyper',
      'n_ctx=4',
      '--out',
      out,
    ],
    { cwd: repoRoot },
  );
  return readFileSync(out, 'utf8');
}

async function cliPredict(prompts: string): Promise<ShownScore[]> {
  const { stdout } = await run(
    'node',
    ['bin/prompt-studio.mjs', 'predict', '--prompts', prompts, IMAGE, '--top-k', '3', '--json'],
    { cwd: repoRoot },
  );
  return (JSON.parse(stdout) as { predictions: { top: ShownScore[] }[] }).predictions[0]?.top ?? [];
}

test('the Library imports, explains, exports and refuses prompt sets; Predict matches the CLI', async ({
  page,
  browser,
}, testInfo) => {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const promptsPath = testInfo.outputPath('coop-counting.json');
  const text = await cliPromptSet(promptsPath);
  const fromCli = await cliPredict(promptsPath);
  const document = JSON.parse(text);
  console.log(`CLI set and prediction after ${seconds()} s: ${JSON.stringify(fromCli[0])}`);

  await page.goto('/');
  await importPromptSets(page, [{ name: 'coop-counting.json', text }]);
  await expect(page.getByTestId('import-kept')).toContainText(`Imported coop-counting.json as ${LABEL}`, {
    timeout: 60_000,
  });
  const row = page.getByTestId('prompt-set');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-method', 'coop');
  await expect(row.getByRole('rowheader')).toContainText(LABEL);
  await expect(row.getByTestId('test-accuracy')).toHaveText(
    `${(100 * document.metrics.testAccuracy).toFixed(1)}%`,
  );

  // CoOp's interpretation: the context still reads "a photo of a", each word at a distance near 0.
  await row.getByRole('button', { name: /^Words/ }).click();
  const positions = row.getByTestId('context-position');
  await expect(positions).toHaveCount(4, { timeout: 60_000 });
  expect(await positions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-word')))).toEqual(
    CONTEXT_WORDS,
  );
  for (const distance of await positions.evaluateAll((rows) =>
    rows.map((r) => Number(r.getAttribute('data-distance'))),
  ))
    expect(distance).toBeLessThan(0.05);
  console.log(`nearest words after ${seconds()} s`);

  // Export: the JSON is the imported document; the safetensors hold its tensor and metadata.
  const [jsonDownload] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: /^Export JSON/ }).click(),
  ]);
  expect(jsonDownload.suggestedFilename()).toBe('coop-counting-2-shot-seed-1.json');
  const exportedPath = testInfo.outputPath('exported.json');
  await jsonDownload.saveAs(exportedPath);
  const exported = readFileSync(exportedPath, 'utf8');
  expect(JSON.parse(exported)).toEqual(document);
  const [safetensorsDownload] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: /^Export safetensors/ }).click(),
  ]);
  const safetensorsPath = testInfo.outputPath('exported.safetensors');
  await safetensorsDownload.saveAs(safetensorsPath);
  const bytes = readFileSync(safetensorsPath);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  expect(header['prompt_learner.ctx']).toMatchObject({ dtype: 'F32', shape: [4, 128] });
  expect(header.__metadata__).toMatchObject({ method: 'coop', task: TASK });
  expect(bytes.length).toBe(8 + headerLength + 4 * 128 * 4);

  // Refusals, each with its reason, and nothing stored changes.
  const otherModel = structuredClone(document);
  otherModel.model.sha256 = 'f'.repeat(64);
  const wrongShape = structuredClone(document);
  wrongShape.tensors['prompt_learner.ctx'].shape = [2, 256];
  await importPromptSets(page, [
    { name: 'malformed.json', text: '{"format": "prompt-studio.prompts", ' },
    { name: 'other-model.json', text: JSON.stringify(otherModel) },
    { name: 'wrong-shape.json', text: JSON.stringify(wrongShape) },
  ]);
  const refused = page.getByTestId('import-refused');
  await expect(refused).toHaveCount(3, { timeout: 60_000 });
  for (const alert of await refused.all()) await expect(alert).toHaveAttribute('role', 'alert');
  await expect(refused.nth(0)).toContainText(
    'malformed.json was not imported: not a prompt set: the file is not JSON',
  );
  await expect(refused.nth(1)).toContainText(
    'other-model.json was not imported: this prompt set was made for model',
  );
  await expect(refused.nth(1)).toContainText('has different weights');
  await expect(refused.nth(2)).toContainText(
    'wrong-shape.json was not imported: tensor prompt_learner.ctx has shape [2, 256], but the coop method expects [4, 128]',
  );
  await expect(row).toHaveCount(1);
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('library-panel.png'), fullPage: true });

  // Predict on a dropped PNG: the prompt set's classes and probabilities are the CLI's.
  const card = await predictOnImage(page, IMAGE, 1);
  const inBrowser = await scores(card, 'set-scores');
  console.log(`prediction after ${seconds()} s: ${JSON.stringify(inBrowser[0])}`);
  expect(inBrowser.map((s) => s.className)).toEqual(fromCli.map((s) => s.className));
  inBrowser.forEach((score, i) => {
    expect(score.probability).toBeCloseTo(fromCli[i]?.probability as number, 4);
  });
  const zeroShot = await scores(card, 'zero-shot-scores');
  expect(zeroShot).toHaveLength(3);
  expect(document.task.classes).toContain(zeroShot[0]?.className);
  await expect(page.getByRole('img', { name: 'To classify: 000.png' })).toBeVisible();
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('predict-panel.png'), fullPage: true });

  // Files that are not images, or do not decode, are answered in words.
  const dropZone = page.locator('.predict-image .drop-zone');
  await dropFile(page, dropZone, 'notes.txt', 'text/plain', Buffer.from('not a picture'));
  await expect(page.getByTestId('predict-error')).toHaveText(
    'This file could not be used: notes.txt: not an image',
  );
  await expect(page.getByTestId('predict-error')).toHaveAttribute('role', 'alert');
  await dropFile(page, dropZone, 'broken.png', 'image/png', readFileSync(IMAGE).subarray(0, 60));
  await expect(page.getByTestId('predict-error')).toContainText('broken.png: corrupt PNG file');

  // A reload finds the imported set still there.
  await page.reload();
  await openPanel(page, 'Library');
  await expect(page.getByTestId('prompt-set')).toHaveCount(1);
  await expect(page.getByTestId('prompt-set').getByRole('rowheader')).toContainText(LABEL);

  // The exported file in a fresh browser (its own storage): the same predictions, to the last digit.
  const fresh = await freshPage(browser);
  try {
    await importPromptSets(fresh.page, [{ name: 'exported.json', text: exported }]);
    await expect(fresh.page.getByTestId('import-kept')).toBeVisible({ timeout: 60_000 });
    const freshCard = await predictOnImage(fresh.page, IMAGE, 1);
    expect(await scores(freshCard, 'set-scores')).toEqual(inBrowser);
    expect(await scores(freshCard, 'zero-shot-scores')).toEqual(zeroShot);
  } finally {
    await fresh.context.close();
  }
  console.log(`fresh page predictions after ${seconds()} s`);
  expect(pageErrors).toEqual([]);
});
