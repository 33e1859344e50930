// What every e2e spec does to the studio as a person would: open a panel, drop a file, import prompt sets,
// predict on an image, open a second browser with its own storage.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, expect, type Locator, type Page } from '@playwright/test';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const artifact = (name: string) => fileURLToPath(new URL(`artifacts/${name}`, import.meta.url));

export async function openPanel(page: Page, name: string): Promise<void> {
  const button = page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-current', 'page');
}

/** Drops one file on `target` as a drag from the desktop would. */
export async function dropFile(page: Page, target: Locator, name: string, type: string, bytes: Buffer) {
  const dataTransfer = await page.evaluateHandle(
    ({ name, type, data }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], name, { type }));
      return transfer;
    },
    { name, type, data: [...bytes] },
  );
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

/** Drops files on an element as a browser does: a DataTransfer with File objects, then dragover and drop. */
export async function dropFiles(target: Locator, files: { name: string; type: string; bytes: Buffer }[]) {
  const page = target.page();
  const dataTransfer = await page.evaluateHandle(
    (entries) => {
      const transfer = new DataTransfer();
      for (const { name, type, base64 } of entries) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name, { type }));
      }
      return transfer;
    },
    files.map(({ name, type, bytes }) => ({ name, type, base64: bytes.toString('base64') })),
  );
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

export async function importPromptSets(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await openPanel(page, 'Library');
  await expect(page.getByRole('button', { name: 'Import JSON…' })).toBeEnabled({ timeout: 60_000 });
  await page
    .getByLabel('Prompt set files')
    .setInputFiles(
      files.map(({ name, text }) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) })),
    );
}

export interface ShownScore {
  className: string;
  probability: number;
}

/** The scores a prediction card shows in one of its tables. */
export async function scores(card: Locator, table: 'set-scores' | 'zero-shot-scores'): Promise<ShownScore[]> {
  return card
    .getByTestId(table)
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => ({
        className: row.getAttribute('data-class') ?? '',
        probability: Number(row.getAttribute('data-probability')),
      })),
    );
}

/** Drops the PNG at `imagePath` (from the repository root) on Predict; resolves with the prediction cards. */
export async function predictOnImage(page: Page, imagePath: string, sets: number): Promise<Locator> {
  await openPanel(page, 'Predict');
  const name = imagePath.split('/').pop() as string;
  await dropFile(page, page.locator('.predict-image .drop-zone'), name, 'image/png', readFileSync(imagePath));
  const cards = page.getByTestId('set-prediction');
  await expect(cards).toHaveCount(sets, { timeout: 3 * 60_000 });
  for (const card of await cards.all())
    await expect(card.getByTestId('set-scores').locator('tbody tr')).toHaveCount(3);
  return cards;
}

/** A second browser with its own storage, on the studio. */
export async function freshPage(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  return { context, page };
}

/** Roles a person operates; each needs a name a screen reader can say. */
const CONTROL_ROLES =
  'button|checkbox|radio|switch|textbox|searchbox|combobox|listbox|spinbutton|slider|tab|link';
/**
 * An aria snapshot line of such a role with no quoted name after it: `- textbox`, `- checkbox [checked]`,
 * `- button:` (with children), `- spinbutton: "4"` (with a value).
 */
const UNNAMED_CONTROL = new RegExp(`^\\s*- (${CONTROL_ROLES})( \\[[^\\]]*\\])*(:.*)?$`, 'gm');

/** Every control on the page has an accessible name (a label, aria-label or its own text). */
export async function expectNamedControls(page: Page): Promise<void> {
  const snapshot = await page.locator('body').ariaSnapshot();
  expect(snapshot.match(UNNAMED_CONTROL) ?? [], 'controls without an accessible name').toEqual([]);
}

/** The Shapes demo pack through the Tasks panel, as a person loads it, until it is the current task. */
export async function loadShapesPack(page: Page): Promise<void> {
  await openPanel(page, 'Tasks');
  await page.getByLabel('Pack', { exact: true }).selectOption('shapes');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator('[data-testid="task-item"][data-task="Shapes"]')).toHaveAttribute(
    'aria-current',
    'true',
    { timeout: 60_000 },
  );
}
