// What a careless or hostile user does to the studio (issue 17's cases), done as a person does it: the
// studio answers each with the exact reason, before anything runs, and nothing stored is lost.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { CONTENT_SECURITY_POLICY } from '../scripts/content-security-policy';
import { dropFiles, importPromptSets, openPanel } from './studio-page';

/** A small PNG of one colour with a stripe of another, so that no two images are alike. */
function png(red: number, green: number, blue: number, size = 24): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const stripe = Math.abs(x - y) < 3;
      image.data.set(stripe ? [255, 255, 255, 255] : [red, green, blue, 255], 4 * (y * size + x));
    }
  return PNG.sync.write(image);
}

/** `root/<folder>/<class>/<class>-<i>.png`, `count` images per class; resolves to the folder's path. */
async function writeFolder(root: string, folder: string, count: number, from = 1): Promise<string> {
  for (const [c, name] of ['a', 'b'].entries())
    for (let i = from; i < from + count; i++) {
      await mkdir(join(root, folder, name), { recursive: true });
      await writeFile(join(root, folder, name, `${name}-${i}.png`), png(60 + 120 * c, 10 * i, 200 - 90 * c));
    }
  return join(root, folder);
}

const taskItem = (page: Page, name: string) => page.locator(`[data-testid="task-item"][data-task="${name}"]`);
const classCard = (page: Page, name: string) =>
  page.locator(`[data-testid="class-card"][data-class="${name}"]`);

async function modelLoaded(page: Page): Promise<void> {
  await openPanel(page, 'Model');
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-model', 'embedded', {
    timeout: 60_000,
  });
}

/** Nothing on the page is wider than the window: no horizontal scroll bar. */
async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${where}: page width`).toBeLessThanOrEqual(page.viewportSize()?.width ?? 0);
}

test('the built page refuses injected script, and loads without a console error', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await modelLoaded(page);
  // Both ways a policy reaches the page: the built page's meta tag, and the server's header (which also
  // covers the workers' scripts).
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    CONTENT_SECURITY_POLICY,
  );
  const served = await page.request.get('/');
  expect(served.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
  expect((await page.request.get('/favicon.svg')).status()).toBe(200);
  expect(errors, 'console errors on load').toEqual([]);

  // A string that reached the page as markup, as script or as a handler, does not run.
  const outcome = await page.evaluate(
    () =>
      new Promise<{ directives: string[]; ran: boolean }>((resolve) => {
        const directives: string[] = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          directives.push(event.effectiveDirective);
          if (directives.length === 2)
            resolve({ directives, ran: (window as { injected?: boolean }).injected === true });
        });
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.append(script);
        const holder = document.createElement('div');
        holder.innerHTML = '<img src="data:," onerror="window.injected = true">';
        document.body.append(holder);
      }),
  );
  expect(outcome.ran, 'the injected script ran').toBe(false);
  for (const directive of outcome.directives) expect(directive).toMatch(/^script-src/);
});

test('tasks: files named by their bytes, names too long for the model refused as typed, long names cut', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await modelLoaded(page);
  await openPanel(page, 'Tasks');
  const taskName = 'walks in the park with circles, squares and triangles drawn on the paths';
  await page.getByRole('textbox', { name: 'New task' }).fill(taskName);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(taskItem(page, taskName)).toHaveAttribute('aria-current', 'true');
  await page.getByLabel('New class').fill('cat');
  await page.getByRole('button', { name: 'Add class' }).click();
  await expect(classCard(page, 'cat')).toHaveCount(1);

  // Each file is named for what its bytes are, whatever its name and type say.
  await dropFiles(classCard(page, 'cat'), [
    { name: 'empty.png', type: 'image/png', bytes: Buffer.alloc(0) },
    { name: 'notes.png', type: 'image/png', bytes: Buffer.from('a cat, probably\n') },
    { name: 'report.png', type: 'image/png', bytes: Buffer.from('%PDF-1.7\n%âãÏÓ\n') },
    { name: 'cat-1.png', type: 'image/png', bytes: png(200, 120, 40) },
  ]);
  await expect(classCard(page, 'cat')).toHaveAttribute('data-images', '1', { timeout: 30_000 });
  const skipped = page.getByTestId('skipped-files');
  await expect(skipped.locator('[data-path="empty.png"]')).toHaveText(
    'empty.png: empty (0 bytes), not an image',
  );
  await expect(skipped.locator('[data-path="notes.png"]')).toHaveText('notes.png: a text file, not an image');
  await expect(skipped.locator('[data-path="report.png"]')).toHaveText(
    'report.png: a PDF document, not an image',
  );

  // A name the model's 32-token text context cannot hold is refused as it is typed, with the limit.
  const tooLong = 'x'.repeat(300);
  const refusal =
    `The class name "${'x'.repeat(39)}…" is 300 tokens long: this model's text context of 32 tokens ` +
    'holds a name of at most 28 (3 go to start, "." and end, 1 to the prompt)';
  await page.getByLabel('New class').fill(tooLong);
  await expect(page.getByTestId('class-name-problem')).toHaveText(refusal);
  await expect(page.getByRole('button', { name: 'Add class' })).toBeDisabled();
  await page.getByLabel('New class').press('Enter');
  await expect(page.getByTestId('class-card')).toHaveCount(1);
  await classCard(page, 'cat').getByRole('button', { name: 'Rename', exact: true }).click();
  await page.getByLabel('New name for cat').fill(tooLong);
  await expect(classCard(page, 'cat').getByTestId('class-name-problem')).toHaveText(refusal);
  await expect(classCard(page, 'cat').getByRole('button', { name: 'Save' })).toBeDisabled();
  await page.getByLabel('New name for cat').press('Escape');

  // A long name that fits (24 tokens) is kept whole, shown cut with an ellipsis and whole on hover.
  const longName = 'circle square triangle '.repeat(8).trim();
  await page.getByLabel('New class').fill(longName);
  await expect(page.getByTestId('class-name-problem')).toHaveCount(0);
  await page.getByRole('button', { name: 'Add class' }).click();
  const heading = classCard(page, longName).getByRole('heading');
  await expect(heading).toHaveAttribute('title', longName);
  expect(await heading.evaluate((h) => h.scrollWidth > h.clientWidth), 'the heading is cut').toBe(true);
  const option = classCard(page, 'cat').getByLabel('Merge into').locator('option');
  await expect(option).toHaveAttribute('title', longName);
  await expect(option).toHaveText(`${longName.slice(0, 39)}…`);
  const mergeWidth = (await classCard(page, 'cat').getByLabel('Merge into').boundingBox())?.width ?? 0;
  expect(mergeWidth, 'the merge menu').toBeLessThan(400);
  await expect(taskItem(page, taskName).locator('.task-name')).toHaveAttribute('title', taskName);
  await expectNoSidewaysScroll(page, 'Tasks');
  await openPanel(page, 'Train & compare');
  const picked = page.getByRole('checkbox', { name: new RegExp(`^${taskName}`) });
  await picked.check();
  await expect(page.locator('.train-task-name', { hasText: taskName })).toHaveAttribute('title', taskName);
  await expectNoSidewaysScroll(page, 'Train & compare');

  // Nothing refused was stored, and nothing kept was lost.
  await page.reload();
  await openPanel(page, 'Tasks');
  await taskItem(page, taskName).click();
  await expect(page.getByTestId('class-card')).toHaveCount(2);
  await expect(classCard(page, 'cat')).toHaveAttribute('data-images', '1');
  await expect(classCard(page, longName)).toHaveCount(1);
  expect(pageErrors).toEqual([]);
});

test('train: ranges as typed, too few images explained, shots lowered with a note, a task deleted while training', async ({
  page,
}) => {
  test.setTimeout(10 * 60_000);
  const temp = await mkdtemp(join(tmpdir(), 'studio-bad-input-'));
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    await page.goto('/');
    await modelLoaded(page);
    // Two classes of two images: nothing is held out to test on.
    await openPanel(page, 'Tasks');
    await page.getByTestId('new-task-folder').setInputFiles(await writeFolder(temp, 'tiny', 2));
    await expect(taskItem(page, 'tiny')).toHaveAttribute('aria-current', 'true', { timeout: 30_000 });

    await openPanel(page, 'Train & compare');
    await page.getByRole('checkbox', { name: /^tiny/ }).check();
    for (const method of ['VPT-deep', 'UPT', 'MuDPT'])
      await page.getByRole('checkbox', { name: method, exact: true }).uncheck();
    await page.getByLabel('Epochs').fill('1');
    await page.getByLabel('Batch size').fill('4');
    const train = page.getByRole('button', { name: 'Train side by side' });
    await expect(train).toBeEnabled({ timeout: 60_000 });
    await train.click();
    const error = page.locator('.train-error');
    await expect(error).toHaveText(
      'task "tiny" has no test images to score a run on: a class holds out a quarter of its images for ' +
        'testing once it has 4, and none has yet. Add 2 images to "a", or 2 images to "b"',
    );
    await expect(page.getByTestId('run-row')).toHaveCount(0);

    // Three more images per class: each holds one out, and trains on four.
    await openPanel(page, 'Tasks');
    await page.getByTestId('task-folder').setInputFiles(await writeFolder(temp, 'more', 3, 3));
    await expect(classCard(page, 'a')).toHaveAttribute('data-images', '5', { timeout: 30_000 });
    await expect(classCard(page, 'a')).toHaveAttribute('data-held-out', '1');

    // A context length that would need a hundred million tokens is refused beside the field and on Train.
    await openPanel(page, 'Train & compare');
    await page.getByText('Settings of CoOp').click();
    await page.getByLabel('CoOp n_ctx').fill('100000000');
    const bound =
      "n_ctx must be a whole number from 1 to 28 (the model's text context of 32 tokens less 1 for the " +
      'longest class name and 3 for start, "." and end), got 100000000';
    await expect(page.getByTestId('hyper-problem')).toHaveText(bound);
    await train.click();
    await expect(error).toHaveText(`CoOp: ${bound}`);
    await expect(page.getByTestId('run-row')).toHaveCount(0);

    // 1000 shots of classes that have 4: lowered to 4, said before the run and in its result.
    await page.getByLabel('CoOp n_ctx').fill('4');
    await expect(page.getByTestId('hyper-problem')).toHaveCount(0);
    await page.getByLabel('Shots per class').fill('1000');
    await expect(page.getByTestId('shots-note')).toHaveText(
      '1000 shots asked, but no class of tiny has more than 4 training images: runs use 4 shots per class.',
    );
    await train.click();
    await expect(page.locator('[data-testid="run-row"][data-status="completed"]')).toHaveCount(1, {
      timeout: 5 * 60_000,
    });
    const result = page.getByTestId('results-row');
    await expect(result).toHaveCount(1);
    await expect(result.locator('td').nth(1)).toHaveText('4');

    // The run's prompt set, exported and given a hundred million context tokens, is refused at once.
    await openPanel(page, 'Library');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByTestId('prompt-set')
        .getByRole('button', { name: /^Export JSON/ })
        .click(),
    ]);
    const crafted = JSON.parse(await readFile(await download.path(), 'utf8'));
    crafted.hyperparameters.n_ctx = 100_000_000;
    const started = Date.now();
    await importPromptSets(page, [{ name: 'crafted.json', text: JSON.stringify(crafted) }]);
    await expect(page.getByTestId('import-refused')).toHaveText(
      `crafted.json was not imported: coop: ${bound}. Nothing stored was changed.`,
      { timeout: 10_000 },
    );
    console.log(`the crafted prompt set was refused after ${Date.now() - started} ms`);
    await expect(page.getByTestId('prompt-set')).toHaveCount(1);

    // A Train refused after a session shows none of that session's runs under its error.
    await openPanel(page, 'Train & compare');
    // The panel was left, so the method's settings are folded again.
    if (!(await page.getByLabel('CoOp n_ctx').isVisible())) await page.getByText('Settings of CoOp').click();
    await page.getByLabel('CoOp n_ctx').fill('100000000');
    await train.click();
    await expect(error).toHaveText(`CoOp: ${bound}`);
    await expect(page.getByTestId('run-row')).toHaveCount(0);

    // Deleting the task being trained on asks first, cancels the run, and keeps no result of it.
    await page.getByLabel('CoOp n_ctx').fill('4');
    await page.getByLabel('Epochs').fill('500');
    await train.click();
    await expect(page.locator('[data-testid="run-row"][data-status="running"]')).toHaveCount(1);
    await openPanel(page, 'Tasks');
    await page.getByRole('button', { name: 'Delete task' }).click();
    await expect(page.getByTestId('delete-training-warning')).toHaveText(
      'tiny is being trained on: deleting it cancels that run, and no result of it is kept.',
    );
    await page
      .getByRole('button', { name: 'Cancel its training run, delete tiny and all its images' })
      .click();
    await expect(taskItem(page, 'tiny')).toHaveCount(0, { timeout: 30_000 });
    await openPanel(page, 'Train & compare');
    await expect(page.locator('[data-testid="run-row"][data-status="cancelled"]')).toHaveCount(1, {
      timeout: 60_000,
    });
    await openPanel(page, 'Library');
    await expect(page.getByTestId('prompt-set')).toHaveCount(1);
    await page.reload();
    await openPanel(page, 'Library');
    await expect(page.getByTestId('prompt-set')).toHaveCount(1, { timeout: 30_000 });
    // Nor is the cancelled run offered to resume: its checkpoint and its session went with it.
    const resumable = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('prompt-studio');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const t = open.result.transaction(['sessions', 'checkpoints']);
            const counts = ['sessions', 'checkpoints'].map((name) => t.objectStore(name).count());
            t.oncomplete = () => resolve(counts.reduce((sum, c) => sum + (c.result as number), 0));
          };
        }),
    );
    expect(resumable).toBe(0);
    await openPanel(page, 'Train & compare');
    await expect(page.getByTestId('interrupted-session')).toHaveCount(0);
    expect(pageErrors).toEqual([]);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
});
