import { expect, test } from '@playwright/test';
import { loadShapesPack, openPanel } from './studio-page';

const percentIn = (text: string | null) => Number(/([\d.]+)/.exec(text ?? '')?.[1]);

test('train & compare, base-to-novel: base, novel and harmonic mean per method, the linear probe refused', async ({
  page,
}) => {
  test.setTimeout(8 * 60_000);
  await page.goto('/');
  await loadShapesPack(page);

  await openPanel(page, 'Train & compare');
  await page.getByRole('checkbox', { name: /^Shapes/ }).check();
  // The form's default methods off, then the ones compared here.
  for (const name of ['CoOp', 'VPT-deep', 'UPT', 'MuDPT'])
    await page.getByRole('checkbox', { name, exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'Linear probe', exact: true }).check();
  await page.getByLabel('Shots per class').fill('2');
  await page.getByLabel('Seeds').fill('1');
  await page.getByLabel('Epochs').fill('2');
  await page.getByRole('checkbox', { name: /^Base-to-novel/ }).check();
  const train = page.getByRole('button', { name: 'Train side by side' });
  await expect(train).toBeEnabled({ timeout: 60_000 });
  await train.click();
  await expect(page.getByRole('alert')).toContainText(
    'Linear probe: its weights are per class, so it cannot score the novel classes',
  );
  await expect(page.getByTestId('run-row')).toHaveCount(0);

  await page.getByRole('checkbox', { name: 'Linear probe', exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'Zero-shot CLIP', exact: true }).check();
  await page.getByRole('checkbox', { name: 'CoOp', exact: true }).check();
  await train.click();
  await expect(page.locator('[data-testid="run-row"][data-status="completed"]')).toHaveCount(2, {
    timeout: 6 * 60_000,
  });

  const table = page.locator('.results-table');
  for (const name of ['Base', 'Novel', 'HM'])
    await expect(table.getByRole('columnheader', { name })).toBeVisible();
  const rows = page.getByTestId('results-row');
  await expect(rows).toHaveCount(2);
  // Shapes' eight classes: the first four are base, the other four novel, and the row says which.
  await expect(rows.first()).toContainText(
    'base circle, square, triangle, star; novel cross, diamond, hexagon, heart',
  );
  for (const row of await rows.all()) {
    const base = 100 * Number(await row.getAttribute('data-accuracy'));
    const novel = percentIn(await row.getByTestId('novel-accuracy').textContent());
    const hm = percentIn(await row.getByTestId('harmonic-mean').textContent());
    expect(novel).toBeGreaterThanOrEqual(0);
    // The shown harmonic mean is that of the shown base and novel accuracy (to the shown decimal).
    expect(Math.abs(hm - (2 * base * novel) / (base + novel || 1))).toBeLessThan(0.11);
  }
});
