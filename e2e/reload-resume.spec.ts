// Reload-safe training: a session's runs keep their epoch checkpoints in the browser's storage, so a reload
// mid-run lists the session with where each run got to, and Resume finishes it exactly as an uninterrupted
// session of the same settings finishes; Discard forgets it; leaving while it runs asks first.
import { expect, type Page, test } from '@playwright/test';
import { loadShapesPack, openPanel } from './studio-page';

const METHODS = ['CoOp', 'VPT-deep', 'UPT', 'MuDPT'];

/** Four methods on Shapes, small enough to be quick: 2 shots, seed 1, 3 epochs of batches of 2. */
async function startSession(page: Page): Promise<void> {
  await openPanel(page, 'Train & compare');
  await page.getByRole('checkbox', { name: /^Shapes/ }).check();
  for (const method of METHODS) await page.getByRole('checkbox', { name: method, exact: true }).check();
  await page.getByLabel('Shots per class').fill('2');
  await page.getByLabel('Seeds').fill('1');
  await page.getByLabel('Epochs').fill('3');
  await page.getByLabel('Batch size').fill('2');
  const train = page.getByRole('button', { name: 'Train side by side' });
  await expect(train).toBeEnabled({ timeout: 60_000 });
  await train.click();
  await expect(page.getByTestId('run-row')).toHaveCount(4);
}

const rowsIn = (page: Page, status: string) =>
  page.locator(`[data-testid="run-row"][data-status="${status}"]`);

/** The step each run's row shows ('—' before its first). */
const stepsShown = (page: Page) =>
  page
    .getByTestId('run-row')
    .evaluateAll((rows) => rows.map((row) => Number(row.querySelectorAll('td')[2]?.textContent) || 0));

/** Every run past its first epoch (or done), and one at least still training: the moment to reload. */
async function waitForCheckpoints(page: Page, stepsPerEpoch: number): Promise<void> {
  await expect
    .poll(async () => (await stepsShown(page)).every((step) => step > stepsPerEpoch), { timeout: 5 * 60_000 })
    .toBe(true);
  await expect(rowsIn(page, 'completed')).not.toHaveCount(4);
}

/** What the results show of a finished session: per method its test accuracy and its confusion matrix. */
async function results(page: Page) {
  await expect(page.getByTestId('results-row')).toHaveCount(4, { timeout: 8 * 60_000 });
  const rows = await page
    .getByTestId('results-row')
    .evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-method'), tr.getAttribute('data-accuracy')]),
    );
  const matrices = await page
    .getByTestId('confusion-matrix')
    .evaluateAll((tables) => tables.map((t) => [t.getAttribute('data-method'), t.textContent]));
  return { rows: rows.sort(), matrices: matrices.sort() };
}

/** Steps in one epoch, read off a finished session: a run's last step over its epochs. */
async function stepsPerEpoch(page: Page): Promise<number> {
  return Math.min(...(await stepsShown(page))) / 3;
}

test('a reload mid-session lists it; Resume finishes with the results of an uninterrupted session', async ({
  page,
}) => {
  test.setTimeout(15 * 60_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await loadShapesPack(page);

  // The reference: the same settings, never interrupted.
  await startSession(page);
  await expect(rowsIn(page, 'completed')).toHaveCount(4, { timeout: 8 * 60_000 });
  const reference = await results(page);
  const perEpoch = await stepsPerEpoch(page);

  await startSession(page);
  await waitForCheckpoints(page, perEpoch);
  // The leave-page warning is accepted, as a person who means to reload does.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.reload();

  await openPanel(page, 'Train & compare');
  const session = page.getByTestId('interrupted-session');
  await expect(session).toHaveCount(1, { timeout: 30_000 });
  await expect(session.getByTestId('interrupted-run')).toHaveCount(4);
  await expect(
    session
      .getByTestId('interrupted-run')
      .filter({ hasText: /epoch \d+ done/ })
      .first(),
  ).toBeVisible();
  console.log(`interrupted:\n${(await session.getByTestId('interrupted-run').allTextContents()).join('\n')}`);
  const resume = session.getByRole('button', { name: /^Resume/ });
  await expect(resume).toBeEnabled({ timeout: 60_000 });
  await resume.click();
  await expect(page.getByTestId('interrupted-sessions')).toHaveCount(0);
  await expect(rowsIn(page, 'running').or(rowsIn(page, 'completed')).first()).toBeVisible();
  await expect(page.locator('[data-testid="run-row"][data-status="running"]')).toHaveCount(0, {
    timeout: 8 * 60_000,
  });
  expect(await results(page)).toEqual(reference);

  // Nothing is left to resume: the session ended.
  await page.reload();
  await openPanel(page, 'Train & compare');
  await expect(page.getByTestId('results-row')).toHaveCount(4, { timeout: 30_000 });
  await expect(page.getByTestId('interrupted-sessions')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test('Discard forgets an interrupted session for good', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await loadShapesPack(page);
  await startSession(page);
  await expect
    .poll(async () => Math.min(...(await stepsShown(page))), { timeout: 5 * 60_000 })
    .toBeGreaterThan(0);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.reload();
  await openPanel(page, 'Train & compare');
  const session = page.getByTestId('interrupted-session');
  await expect(session).toHaveCount(1, { timeout: 30_000 });
  await session.getByRole('button', { name: /^Discard/ }).click();
  await expect(page.getByTestId('interrupted-sessions')).toHaveCount(0);
  await page.reload();
  await openPanel(page, 'Train & compare');
  await expect(page.getByRole('button', { name: 'Train side by side' })).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('interrupted-sessions')).toHaveCount(0);
});

test('leaving while a session trains asks first; once it has ended it does not', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await loadShapesPack(page);
  await startSession(page);
  const asked: string[] = [];
  page.on('dialog', (dialog) => {
    asked.push(dialog.type());
    void dialog.dismiss();
  });
  // Dismissed: the page stays, and its runs train on.
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);
  await expect(rowsIn(page, 'running').first()).toBeVisible();

  await page.getByRole('button', { name: 'Cancel all' }).click();
  await expect(rowsIn(page, 'running')).toHaveCount(0, { timeout: 2 * 60_000 });
  await expect(rowsIn(page, 'paused')).toHaveCount(0);
  await page.reload();
  await openPanel(page, 'Train & compare');
  expect(asked).toEqual(['beforeunload']);
});
