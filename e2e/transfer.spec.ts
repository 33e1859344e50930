import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, type Page, test } from '@playwright/test';
import { artifact, expectNamedControls, openPanel, repoRoot } from './studio-page';

/**
 * Three shipped packs whose index lists the classes in code-unit order, the order the CLI reads class
 * folders in: the labels, and so every seeded stream, are the same in the page and in Node.
 */
const PACKS = [
  { pack: 'digits', title: 'Digits' },
  { pack: 'letters', title: 'Letters' },
  { pack: 'heldout-font-digits', title: 'Digits, unseen fonts' },
];
const SHOTS = 2;
const EPOCHS = 1;
const SEED = 1;
/** The bar for the page's matrix against the CLI's. */
const AGREEMENT = 1e-6;

interface NodeTransfer {
  tasks: string[];
  accuracy: (number | null)[][];
}

/**
 * The CLI's matrix with the same settings on the same packs, on Node's WebGPU (Dawn's SwiftShader; the page
 * runs Chromium's), in its own process so its engine does not share the test runner.
 */
async function nodeTransfer(): Promise<NodeTransfer> {
  const dir = await mkdtemp(join(tmpdir(), 'studio-transfer-'));
  try {
    const out = join(dir, 'matrix.json');
    await promisify(execFile)(
      'node',
      [
        'bin/prompt-studio.mjs',
        'transfer',
        '--method',
        'coop',
        '--tasks',
        PACKS.map((p) => `public/tasks/${p.pack}`).join(','),
        '--shots',
        String(SHOTS),
        '--epochs',
        String(EPOCHS),
        '--seed',
        String(SEED),
        '--out',
        out,
      ],
      { cwd: repoRoot },
    );
    return JSON.parse(await readFile(out, 'utf8')) as NodeTransfer;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadDemoPack(page: Page, pack: string, title: string) {
  await page.getByLabel('Pack', { exact: true }).selectOption(pack);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator(`[data-testid="task-item"][data-task="${title}"]`)).toHaveAttribute(
    'aria-current',
    'true',
    { timeout: 60_000 },
  );
}

interface Cell {
  source: string;
  target: string;
  raw: number;
  normalised: number;
}

/** Every heatmap cell's values, as its data attributes carry them (NaN where not measured). */
async function heatmapValues(page: Page): Promise<Cell[]> {
  return page.getByTestId('transfer-cell').evaluateAll((cells) =>
    cells.map((cell) => ({
      source: cell.getAttribute('data-source') ?? '',
      target: cell.getAttribute('data-target') ?? '',
      raw: Number(cell.getAttribute('data-raw') || Number.NaN),
      normalised: Number(cell.getAttribute('data-normalised') || Number.NaN),
    })),
  );
}

const cell = (page: Page, source: string, target: string) =>
  page.locator(`[data-testid="transfer-cell"][data-source="${source}"][data-target="${target}"]`);

test('transfer: a 3-task matrix with progress, a heatmap normalised per target, cell details, the CLI agrees, a reload keeps it', async ({
  page,
}) => {
  // Two matrices, a grouped run and the CLI's matrix, on SwiftShader.
  test.setTimeout(10 * 60_000);
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  const fromNode = nodeTransfer();
  fromNode.catch(() => undefined); // awaited, and reported, after the browser's run
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto('/');
  await openPanel(page, 'Tasks');
  for (const { pack, title } of PACKS) await loadDemoPack(page, pack, title);
  console.log(`demo packs loaded after ${seconds()} s`);

  await openPanel(page, 'Transfer');
  await expect(page.getByText('No matrix yet')).toBeVisible();
  const compute = page.getByRole('button', { name: 'Compute matrix' });
  await expect(compute, 'fewer than two tasks chosen').toBeDisabled();
  for (const { title } of PACKS)
    await page.getByRole('checkbox', { name: new RegExp(`^${title} \\(`) }).check();
  await expect(page.getByLabel('Method')).toHaveValue('coop');
  await page.getByLabel('Shots per class').fill(String(SHOTS));
  await page.getByLabel('Seed').fill(String(SEED));
  await page.getByLabel('Epochs').fill(String(EPOCHS));
  await expect(compute).toBeEnabled({ timeout: 60_000 }); // once the model has loaded
  await compute.click();

  // Progress: cells counted out of nine, the heatmap filling in as they arrive.
  const cells = page.getByTestId('transfer-cells');
  await expect(cells).toHaveAttribute('data-total', '9');
  await expect(page.getByTestId('transfer-cell')).toHaveCount(9);
  await expect
    .poll(async () => Number(await cells.getAttribute('data-done').catch(() => '9')), { timeout: 4 * 60_000 })
    .toBeGreaterThan(0);
  const state = page.getByTestId('transfer-matrix-state');
  await expect(state).toHaveAttribute('data-complete', 'true', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('transfer-status')).toBeEmpty();
  await expect(page.getByRole('alert')).toHaveCount(0);
  console.log(`matrix computed after ${seconds()} s`);

  // Every cell measured; each target column's best is 1, the others their share of it.
  const values = await heatmapValues(page);
  expect(values).toHaveLength(9);
  const titles = PACKS.map((p) => p.title);
  for (const target of titles) {
    const column = values.filter((v) => v.target === target);
    const best = Math.max(...column.map((v) => v.raw));
    for (const v of column) {
      expect(v.raw, `${v.source} → ${target}`).toBeGreaterThanOrEqual(0);
      expect(v.normalised, `${v.source} → ${target}`).toBeCloseTo(v.raw / best, 12);
    }
    expect(Math.max(...column.map((v) => v.normalised)), `column ${target}'s max`).toBe(1);
    const diagonal = column.find((v) => v.source === target);
    expect(diagonal?.normalised, `${target}'s own prompt`).toBeLessThanOrEqual(1);
    await expect(cell(page, target, target)).toHaveAttribute(
      'aria-label',
      /% top-1, \d\.\d\d of the best source/,
    );
  }

  // Values on hover.
  const [, second] = titles as [string, string, string];
  const hovered = values.find((v) => v.source === titles[0] && v.target === second) as Cell;
  await cell(page, hovered.source, hovered.target).hover();
  const tooltip = page.getByTestId('transfer-tooltip');
  await expect(tooltip).toContainText(`${hovered.source} → ${hovered.target}`);
  await expect(tooltip).toContainText(`raw top-1 ${(100 * hovered.raw).toFixed(1)}%`);
  await expect(tooltip).toContainText(`normalised ${hovered.normalised.toFixed(3)}`);

  // A click opens the cell's details; the keyboard moves and opens another.
  await cell(page, hovered.source, hovered.target).click();
  const details = page.getByTestId('cell-details');
  await expect(details.getByTestId('detail-source')).toHaveText(hovered.source);
  await expect(details.getByTestId('detail-target')).toHaveText(hovered.target);
  await expect(details.getByTestId('detail-raw')).toHaveAttribute('data-value', String(hovered.raw));
  const column = values.filter((v) => v.target === hovered.target);
  const rank = 1 + column.filter((v) => v.raw > hovered.raw).length;
  await expect(details.getByTestId('detail-rank')).toHaveAttribute('data-rank', String(rank));
  await page.mouse.move(0, 0);
  await cell(page, hovered.source, hovered.target).focus();
  await page.keyboard.press('ArrowDown');
  await expect(cell(page, second, second)).toBeFocused();
  await expect(tooltip).toContainText(`${second} → ${second}`);
  await page.keyboard.press('Enter');
  await expect(details.getByTestId('detail-source')).toHaveText(second);
  await expect(details).toContainText('on its own test set');

  // Suggested groups from the complete matrix; one grouped adaptation run to its per-task accuracies.
  await expect(page.getByTestId('suggestion')).toHaveCount(3);
  const group = page.getByTestId('suggestion').first().getByTestId('group').first();
  await group.getByRole('button', { name: /Run grouped adaptation/ }).click();
  const grouped = group.getByTestId('grouped-result').locator('li');
  await expect(grouped).toHaveCount(2, { timeout: 3 * 60_000 });
  for (const accuracy of await grouped.evaluateAll((items) =>
    items.map((i) => i.getAttribute('data-accuracy')),
  ))
    expect(Number(accuracy)).toBeGreaterThanOrEqual(0);
  console.log(`grouped adaptation after ${seconds()} s`);

  // Downloads: the CLI's matrix JSON (which `multitask --matrix` reads) and the normalised CSV.
  const jsonDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  const exported = JSON.parse(await readFile((await (await jsonDownload).path()) as string, 'utf8'));
  expect(exported.tasks).toEqual(titles);
  expect(exported.complete).toBe(true);
  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = await readFile((await (await csvDownload).path()) as string, 'utf8');
  expect(csv.split('\n')[0]).toBe('source \\ target,Digits,Letters,"Digits, unseen fonts"');

  await expectNamedControls(page);
  await page.screenshot({ path: artifact('transfer-panel.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: artifact('transfer-panel-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  // The CLI computes the same matrix: the same packs, labels and seeded streams, and kernels that give the
  // same bits on Chromium's and Dawn's SwiftShader.
  const node = await fromNode;
  console.log(`Node's matrix: ${JSON.stringify(node.accuracy)}`);
  console.log(
    `the page's:    ${JSON.stringify(titles.map((s) => titles.map((t) => values.find((v) => v.source === s && v.target === t)?.raw)))}`,
  );
  node.accuracy.forEach((row, s) => {
    row.forEach((expected, t) => {
      const got = values.find((v) => v.source === titles[s] && v.target === titles[t]);
      const difference = Math.abs((got?.raw ?? Number.NaN) - (expected ?? Number.NaN));
      expect(difference, `${titles[s]} → ${titles[t]}`).toBeLessThanOrEqual(AGREEMENT);
    });
  });

  // A reload finds the matrix where it was left, and the form as it was computed.
  await page.reload();
  await openPanel(page, 'Transfer');
  await expect(page.getByTestId('transfer-matrix-state')).toHaveAttribute('data-complete', 'true');
  expect(await heatmapValues(page)).toEqual(values);
  for (const { title } of PACKS)
    await expect(page.getByRole('checkbox', { name: new RegExp(`^${title} \\(`) })).toBeChecked();
  await expect(page.getByLabel('Epochs')).toHaveValue(String(EPOCHS));

  // Cancel part-way, reload, resume: finished cells are kept, not recomputed.
  await page.getByLabel('Seed').fill(String(SEED + 1));
  await page.getByRole('button', { name: 'Compute matrix' }).click();
  await expect
    .poll(async () => Number(await cells.getAttribute('data-done').catch(() => '0')), { timeout: 4 * 60_000 })
    .toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByTestId('transfer-status')).toBeEmpty({ timeout: 60_000 });
  await expect(state).toHaveAttribute('data-complete', 'false');
  const partial = (await heatmapValues(page)).filter((v) => !Number.isNaN(v.raw));
  expect(partial.length).toBeGreaterThanOrEqual(2);
  expect(partial.length).toBeLessThan(9);
  await page.reload();
  await openPanel(page, 'Transfer');
  await expect(state).toHaveAttribute('data-complete', 'false');
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(cells).toHaveAttribute('data-done', String(partial.length));
  await expect(state).toHaveAttribute('data-complete', 'true', { timeout: 4 * 60_000 });
  const resumed = await heatmapValues(page);
  for (const kept of partial) expect(resumed, 'kept as measured before the cancel').toContainEqual(kept);
  console.log(`resumed after ${seconds()} s`);

  expect(pageErrors).toEqual([]);
});
