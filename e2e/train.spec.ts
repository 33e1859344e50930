import { readFileSync, writeFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import {
  artifact,
  expectNamedControls,
  freshPage,
  importPromptSets,
  loadShapesPack,
  openPanel,
  predictOnImage,
  scores,
} from './studio-page';

/** The bar: no main-thread task longer than this while training runs. */
const LONG_TASK_MS = 50;
const METHODS = ['CoOp', 'VPT-deep', 'UPT', 'MuDPT'];
/** A test image of the task trained on, for the prompt-set round trip. */
const IMAGE = 'public/tasks/shapes/test/circle/000.png';

/** A long animation frame, with where its time went: scripts, then style and layout, then paint. */
interface LongFrame {
  start: number;
  duration: number;
  blocking: number;
  /** From the frame's start to its rendering, and to its style and layout (0: the frame did not render). */
  renderAfter: number;
  styleAndLayoutAfter: number;
  scripts: { invoker: string; duration: number; forcedStyleAndLayout: number }[];
}

/** The long-animation-frame entry's fields read here (TypeScript's DOM library does not have it yet). */
interface LongAnimationFrameEntry extends PerformanceEntry {
  blockingDuration: number;
  renderStart: number;
  styleAndLayoutStart: number;
  scripts: { invoker: string; duration: number; forcedStyleAndLayoutDuration: number }[];
}

declare global {
  interface Window {
    longTasks: { start: number; duration: number }[];
    longFrames: LongFrame[];
  }
}

/** Each run's loss curve as drawn: the svg path's d attribute by run id. */
const lossPaths = (page: Page) =>
  page
    .getByTestId('loss-chart')
    .locator('path.run-line')
    .evaluateAll((paths) =>
      paths.map((p) => `${p.getAttribute('data-run')}:${p.getAttribute('d')}`).join('\n'),
    );

const runsIn = (page: Page, status: string) =>
  page.locator(`[data-testid="run-row"][data-status="${status}"]`);

const stepsShown = (page: Page) =>
  page
    .getByTestId('run-row')
    .evaluateAll((rows) => rows.map((row) => row.querySelectorAll('td')[2]?.textContent ?? '').join(','));

test('train & compare: four methods side by side, live curves, pause and resume, results kept', async ({
  page,
  browser,
}) => {
  test.setTimeout(12 * 60_000);
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        window.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    // Long-animation-frame entries say what a long task was spent on, which the longtask entries do not.
    window.longFrames = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as LongAnimationFrameEntry[]) {
        window.longFrames.push({
          start: entry.startTime,
          duration: entry.duration,
          blocking: entry.blockingDuration,
          renderAfter: entry.renderStart ? entry.renderStart - entry.startTime : 0,
          styleAndLayoutAfter: entry.styleAndLayoutStart ? entry.styleAndLayoutStart - entry.startTime : 0,
          scripts: entry.scripts.map((s) => ({
            invoker: s.invoker,
            duration: s.duration,
            forcedStyleAndLayout: s.forcedStyleAndLayoutDuration,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });

  await page.goto('/');
  await loadShapesPack(page);

  await openPanel(page, 'Train & compare');
  await page.getByRole('checkbox', { name: /^Shapes/ }).check();
  for (const method of METHODS) await page.getByRole('checkbox', { name: method, exact: true }).check();
  await page.getByLabel('Shots per class').fill('2');
  await page.getByLabel('Seeds').fill('1');
  await page.getByLabel('Epochs').fill('2');
  await page.getByLabel('Batch size').fill('2');
  const train = page.getByRole('button', { name: 'Train side by side' });
  await expect(train).toBeEnabled({ timeout: 60_000 });
  const trainingFrom = await page.evaluate(() => performance.now());
  await train.click();
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(4);
  console.log(`training started after ${seconds()} s`);

  // The curves grow while the runs train: the drawn paths change from one look to the next.
  await expect(page.getByTestId('loss-chart').locator('path.run-line')).toHaveCount(4);
  await expect.poll(() => lossPaths(page).then((d) => d.includes('L')), { timeout: 4 * 60_000 }).toBe(true);
  const early = await lossPaths(page);
  await expect.poll(() => lossPaths(page), { timeout: 4 * 60_000 }).not.toBe(early);
  const rates = await page.getByTestId('steps-per-second').allTextContents();
  console.log(`curves updating after ${seconds()} s; steps/s per run: ${rates.join(', ')}`);

  // Pause: nothing moves; resume: it moves again.
  await page.getByRole('button', { name: 'Pause all' }).click();
  await expect.poll(() => runsIn(page, 'paused').count()).toBeGreaterThan(0);
  await expect(runsIn(page, 'running')).toHaveCount(0);
  // Each run finishes the step it had in flight; after that nothing moves.
  const settled = async () => {
    const before = await lossPaths(page);
    await page.waitForTimeout(5000);
    return (await lossPaths(page)) === before;
  };
  await expect.poll(settled, { timeout: 90_000, intervals: [0] }).toBe(true);
  const paused = await lossPaths(page);
  const pausedSteps = await stepsShown(page);
  await page.waitForTimeout(10_000);
  expect(await lossPaths(page), 'no step while paused').toBe(paused);
  expect(await stepsShown(page)).toBe(pausedSteps);
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(runsIn(page, 'paused')).toHaveCount(0);
  await expect.poll(() => lossPaths(page), { timeout: 4 * 60_000 }).not.toBe(paused);
  console.log(`paused and resumed after ${seconds()} s`);

  // Every run finishes with a test accuracy; the table has one row per method.
  await expect(runsIn(page, 'completed')).toHaveCount(4, { timeout: 8 * 60_000 });
  const trainingTo = await page.evaluate(() => performance.now());
  const results = page.getByTestId('results-row');
  await expect(results).toHaveCount(4);
  for (const method of METHODS) {
    const accuracy = Number(await results.filter({ hasText: method }).first().getAttribute('data-accuracy'));
    expect(accuracy, method).toBeGreaterThanOrEqual(0);
    expect(accuracy, method).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('confusion-matrix')).toHaveCount(4);
  await expect(page.getByTestId('session-status')).toHaveText('Session finished: 4 completed.');
  await expect(page.getByTestId('validation-chart').locator('circle')).not.toHaveCount(0);
  const table = await results.evaluateAll((trs) => trs.map((tr) => tr.textContent).join('\n'));
  console.log(`results after ${seconds()} s:\n${table}`);

  const { longTasks, longFrames } = await page.evaluate(
    ([from, to]) => {
      const within = (t: { start: number }) => t.start >= from && t.start <= to;
      return { longTasks: window.longTasks.filter(within), longFrames: window.longFrames.filter(within) };
    },
    [trainingFrom, trainingTo] as const,
  );
  const longest = Math.max(0, ...longTasks.map((t) => t.duration));
  console.log(
    `main-thread long tasks while training (${((trainingTo - trainingFrom) / 1000).toFixed(0)} s): ` +
      `${longTasks.length}, longest ${longest.toFixed(0)} ms`,
  );
  // A speed target is measured and printed, not asserted (as every timing in this project): on a shared
  // 2-core machine the worker's and SwiftShader's threads can starve the page's thread at any moment.
  writeFileSync(
    artifact('long-tasks.json'),
    `${JSON.stringify({ limitMs: LONG_TASK_MS, trainingSeconds: (trainingTo - trainingFrom) / 1000, longest, longTasks, longFrames }, null, 2)}\n`,
  );
  if (longest > LONG_TASK_MS) {
    console.log(
      `over the ${LONG_TASK_MS} ms target: ${longest.toFixed(0)} ms; the blocking frames' scripts:`,
    );
    for (const frame of longFrames.filter((f) => f.blocking > 0)) {
      const scripts = frame.scripts.map((s) => `${s.invoker} ${s.duration.toFixed(0)} ms`).join(', ');
      console.log(
        `  ${frame.duration.toFixed(0)} ms frame, ${frame.blocking.toFixed(0)} ms blocking: ${scripts || 'no script over 5 ms'}`,
      );
    }
  }
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('train-panel.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: artifact('train-panel-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // A reload finds the session's runs again.
  await page.reload();
  await openPanel(page, 'Train & compare');
  await expect(page.getByTestId('results-row')).toHaveCount(4, { timeout: 30_000 });
  await expect(page.getByTestId('loss-chart').locator('path.run-line')).toHaveCount(4);

  // Each run's prompt set is in the Library; one trained here, exported and imported into a fresh browser,
  // predicts exactly as it does here.
  await openPanel(page, 'Library');
  const sets = page.getByTestId('prompt-set');
  await expect(sets).toHaveCount(4, { timeout: 30_000 });
  const vptDeep = page.locator('[data-testid="prompt-set"][data-method="vpt-deep"]');
  await expect(vptDeep).toHaveCount(1);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    vptDeep.getByRole('button', { name: /^Export JSON/ }).click(),
  ]);
  const exported = readFileSync(await download.path(), 'utf8');
  expect(JSON.parse(exported)).toMatchObject({ method: 'vpt-deep', task: { name: 'Shapes' } });
  const here = (await predictOnImage(page, IMAGE, 4)).filter({ hasText: 'VPT-deep' });
  const fresh = await freshPage(browser);
  try {
    await importPromptSets(fresh.page, [{ name: download.suggestedFilename(), text: exported }]);
    await expect(fresh.page.getByTestId('import-kept')).toBeVisible({ timeout: 60_000 });
    const there = await predictOnImage(fresh.page, IMAGE, 1);
    expect(await scores(there, 'set-scores')).toEqual(await scores(here, 'set-scores'));
  } finally {
    await fresh.context.close();
  }
  expect(pageErrors).toEqual([]);
});
