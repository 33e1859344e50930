import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import type { EngineFingerprint } from '../src/engine/check/engine-fingerprint';
import { artifact, expectNamedControls, openPanel, repoRoot } from './studio-page';

/** The browser's and Node's WebGPU run the same kernels on the same inputs: outputs may differ by rounding only. */
const PARITY_TOLERANCE = 1e-6;

/** Node's outputs for the same cases (Dawn in Node, SwiftShader); a separate process keeps Dawn out of the runner. */
async function nodeFingerprint(): Promise<EngineFingerprint> {
  const { stdout } = await promisify(execFile)('node', ['bin/prompt-studio.mjs', 'fingerprint', '--json'], {
    cwd: repoRoot,
    maxBuffer: 256 * 2 ** 20,
  });
  return JSON.parse(stdout) as EngineFingerprint;
}

/** Worst |a − b| / max(1, |b|) over one tensor; non-finite values (JSON nulls) must match exactly. */
function worstDifference(actual: (number | null)[], expected: (number | null)[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (const [i, b] of expected.entries()) {
    const a = actual[i] ?? null;
    if (a === null || b === null) {
      if (a !== b) return Number.POSITIVE_INFINITY;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
  }
  return worst;
}

test('the engine panel shows the WebGPU adapter, passes the self-test, and matches Node', async ({
  page,
}) => {
  // Started first: it runs on the other core while the browser works.
  const fromNode = nodeFingerprint();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Prompt Studio' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Tasks' }), 'the studio opens on Tasks').toHaveAttribute(
    'aria-current',
    'page',
  );
  await openPanel(page, 'Engine');

  const backend = page.getByTestId('engine-backend');
  await expect(backend).toBeVisible({ timeout: 60_000 });
  await expect(backend, 'a real WebGPU adapter, not the CPU fallback').toHaveAttribute('data-kind', 'webgpu');
  await expect(page.getByTestId('limits')).toContainText('maxStorageBufferBindingSize');

  // The self-test starts by itself when the panel is first opened.
  const selfTest = page.getByTestId('self-test');
  await expect(selfTest).toHaveAttribute('data-state', 'done', { timeout: 4 * 60_000 });
  const rows = await page
    .getByTestId('op-row')
    .evaluateAll((elements) =>
      elements.map((row) => ({ op: row.getAttribute('data-op'), passed: row.getAttribute('data-passed') })),
    );
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.filter((row) => row.passed !== 'true')).toEqual([]);
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('engine-panel.png'), fullPage: true });

  const fromBrowser = await page.evaluate(() =>
    window.promptStudio.engine.call((api) => api.selfTestOutputs()),
  );
  // Through JSON like Node's, so infinities (masked logits) read as null on both sides.
  const browser = JSON.parse(JSON.stringify(fromBrowser)) as EngineFingerprint;
  const node = await fromNode;
  expect(Object.keys(browser.cases)).toEqual(Object.keys(node.cases));
  expect(rows.map((row) => row.op)).toEqual(Object.keys(node.cases));
  const mismatches = Object.entries(node.cases).flatMap(([name, expected]) => {
    const actual = browser.cases[name];
    if (actual?.grads.length !== expected.grads.length) return [{ name, worst: Number.POSITIVE_INFINITY }];
    const worst = Math.max(
      worstDifference(actual.output, expected.output),
      ...expected.grads.map((g, i) => worstDifference(actual.grads[i] ?? [], g)),
    );
    return worst <= PARITY_TOLERANCE ? [] : [{ name, worst }];
  });
  expect(mismatches, `browser vs Node outputs within ${PARITY_TOLERANCE}`).toEqual([]);

  // The panels open from the keyboard: Tab moves along the panel list, Enter opens one, focus shows.
  const panelButton = (name: string) =>
    page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name, exact: true });
  await panelButton('Engine').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(panelButton('Tasks')).toBeFocused();
  expect(await panelButton('Tasks').evaluate((b) => getComputedStyle(b).outlineStyle)).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(panelButton('Tasks')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 2, name: 'Tasks' })).toBeVisible();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(panelButton('Engine')).toHaveAttribute('aria-current', 'page');

  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: artifact('engine-panel-dark-1920.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});
