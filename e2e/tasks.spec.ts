import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { artifact, dropFiles, expectNamedControls, openPanel } from './studio-page';

/** A small PNG of one colour, with a stripe so the thumbnails are not all alike. */
function png(red: number, green: number, blue: number, size = 24): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const stripe = Math.abs(x - y) < 3;
      image.data.set(stripe ? [255, 255, 255, 255] : [red, green, blue, 255], 4 * (y * size + x));
    }
  return PNG.sync.write(image);
}

/** pets/{cat,dog,bird}, one dog picture a folder deeper, and a Finder file that must be skipped. */
async function writePetsFolder(root: string): Promise<string> {
  const pets = join(root, 'pets');
  const files: [string, Buffer][] = [
    ...[1, 2, 3, 4, 5].map((i): [string, Buffer] => [`cat/cat-${i}.png`, png(200, 120 + i * 10, 40)]),
    ...[1, 2, 3].map((i): [string, Buffer] => [`dog/dog-${i}.png`, png(120, 80, 40 + i * 20)]),
    ['dog/puppies/puppy-1.png', png(150, 110, 70)],
    ...[1, 2, 3, 4].map((i): [string, Buffer] => [`bird/bird-${i}.png`, png(40, 90 + i * 20, 200)]),
    ['.DS_Store', Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31])],
  ];
  for (const [path, bytes] of files) {
    await mkdir(join(pets, path, '..'), { recursive: true });
    await writeFile(join(pets, path), bytes);
  }
  return pets;
}

const classCard = (page: Page, name: string) =>
  page.locator(`[data-testid="class-card"][data-class="${name}"]`);
const taskItem = (page: Page, name: string) => page.locator(`[data-testid="task-item"][data-task="${name}"]`);

async function expectClasses(page: Page, counts: Record<string, [images: number, heldOut: number]>) {
  const cards = page.getByTestId('class-card');
  await expect(cards).toHaveCount(Object.keys(counts).length);
  for (const [name, [images, heldOut]] of Object.entries(counts)) {
    await expect(classCard(page, name), name).toHaveAttribute('data-images', String(images));
    await expect(classCard(page, name), name).toHaveAttribute('data-held-out', String(heldOut));
  }
}

test('tasks: a demo pack in one click, a folder of PNGs, class edits, skipped files, all kept over a reload', async ({
  page,
}) => {
  const temp = await mkdtemp(join(tmpdir(), 'studio-tasks-'));
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    const pets = await writePetsFolder(temp);
    await page.goto('/');
    await openPanel(page, 'Tasks');
    await expect(page.getByText('No tasks yet.')).toBeVisible();

    // One click loads a shipped pack, with its own split: 16 training and 20 test images per class.
    await page.getByLabel('Pack', { exact: true }).selectOption('counting');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(taskItem(page, 'Counting')).toHaveAttribute('aria-current', 'true', { timeout: 60_000 });
    await expectClasses(page, { one: [36, 20], two: [36, 20], three: [36, 20], four: [36, 20] });
    await expect(page.getByRole('button', { name: 'Open', exact: true })).toBeVisible();

    // A folder with a subfolder per class makes a task; deeper folders join their class, hidden files are
    // skipped with the reason, and a quarter of each class is held out.
    await page.getByTestId('new-task-folder').setInputFiles(pets);
    await expect(taskItem(page, 'pets')).toHaveAttribute('aria-current', 'true', { timeout: 30_000 });
    await expectClasses(page, { cat: [5, 1], dog: [4, 1], bird: [4, 1] });
    const skipped = page.getByTestId('skipped-files');
    await expect(skipped.locator('[data-path="pets/.DS_Store"]')).toContainText('hidden file');
    await expect(page.getByTestId('task-editor').locator('img[alt="puppy-1.png"]')).toBeVisible();

    // Files dropped on a class card: the images join it, a text file and a corrupt PNG are refused.
    const corrupt = Buffer.concat([png(1, 2, 3).subarray(0, 40), Buffer.from('not the rest of a png')]);
    await dropFiles(classCard(page, 'cat'), [
      { name: 'cat-6.png', type: 'image/png', bytes: png(220, 140, 20) },
      { name: 'cat-7.png', type: 'image/png', bytes: png(230, 150, 30) },
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('a cat, probably') },
      { name: 'broken.png', type: 'image/png', bytes: corrupt },
    ]);
    await expect(classCard(page, 'cat')).toHaveAttribute('data-images', '7', { timeout: 30_000 });
    await expect(skipped.locator('[data-path="notes.txt"]')).toContainText('not an image (text/plain)');
    await expect(skipped.locator('[data-path="broken.png"]')).toContainText(
      'could not be decoded: corrupt PNG',
    );
    await expect(page.getByTestId('tasks-error')).toHaveCount(0);

    // Rename, merge and delete classes; add an empty one.
    await classCard(page, 'bird').getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByLabel('New name for bird').fill('parrot');
    await page.getByLabel('New name for bird').press('Enter');
    await expect(classCard(page, 'parrot')).toHaveAttribute('data-images', '4');
    const parrot = classCard(page, 'parrot');
    await parrot.getByLabel('Merge into').selectOption({ label: 'dog' });
    await parrot.getByRole('button', { name: 'Merge parrot into dog' }).click();
    await expectClasses(page, { cat: [7, 1], dog: [8, 2] });
    await classCard(page, 'cat').getByRole('button', { name: 'Delete cat' }).click();
    await page.getByRole('button', { name: 'Delete cat and its 7 images' }).click();
    await page.getByLabel('New class').fill('fish');
    await page.getByRole('button', { name: 'Add class' }).click();
    await expectClasses(page, { dog: [8, 2], fish: [0, 0] });

    await page.getByLabel('Shots per class').fill('2');
    await page.getByLabel('Seed').fill('7');
    await expect(page.getByText('Runs sample 2 training images per class')).toBeVisible();
    await expect(page.getByTestId('storage-status')).toContainText(/Stored in this browser: [\d.]+ \w+ used/);
    await expectNamedControls(page);
    await page.screenshot({ path: artifact('tasks-panel.png'), fullPage: true });

    // A reload finds the tasks, their classes, image counts, splits and settings.
    await page.reload();
    await openPanel(page, 'Tasks');
    await expect(taskItem(page, 'Counting')).toContainText('4 classes, 144 images');
    await expect(taskItem(page, 'pets')).toContainText('2 classes, 8 images');
    await taskItem(page, 'pets').click();
    await expectClasses(page, { dog: [8, 2], fish: [0, 0] });
    await expect(page.getByLabel('Shots per class')).toHaveValue('2');
    await expect(page.getByLabel('Seed')).toHaveValue('7');
    await taskItem(page, 'Counting').click();
    await expectClasses(page, { one: [36, 20], two: [36, 20], three: [36, 20], four: [36, 20] });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: artifact('tasks-panel-dark-1920.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });

    // A write that fails is reported, and what was stored stays: simulate a failing disk by aborting every
    // write transaction the page starts from now on.
    await page.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
        const request = put.apply(this, args);
        this.transaction.abort();
        return request;
      };
    });
    await page.getByLabel('New class').fill('five');
    await page.getByRole('button', { name: 'Add class' }).click();
    await expect(page.getByTestId('tasks-error')).toContainText('nothing stored before was changed');
    await expect(classCard(page, 'five')).toHaveCount(0);
    await page.reload();
    await openPanel(page, 'Tasks');
    await taskItem(page, 'Counting').click();
    await expectClasses(page, { one: [36, 20], two: [36, 20], three: [36, 20], four: [36, 20] });
    expect(pageErrors).toEqual([]);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
});
