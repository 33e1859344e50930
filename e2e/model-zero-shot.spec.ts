import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { artifact, expectNamedControls, openPanel, repoRoot } from './studio-page';

/** The bar for L2-normalised embeddings against PyTorch. */
const PARITY_TOLERANCE = 1e-4;
/** Four classes, 80 test images: the smallest pack, and one the tiny model gets partly wrong. */
const TASK = 'counting';

interface NodeZeroShot {
  backend: string;
  tasks: { task: string; images: number; accuracy: { top1: number } }[];
}

/**
 * The CLI's zero-shot on the same pack with the same towers (the engine on WebGPU: Dawn's SwiftShader in Node,
 * Chromium's in the page), in its own process so its engine does not share the test runner.
 */
async function nodeZeroShot(): Promise<NodeZeroShot> {
  const args = [
    'bin/prompt-studio.mjs',
    'zero-shot',
    '--task',
    `public/tasks/${TASK}`,
    '--backend',
    'engine',
  ];
  const { stdout } = await promisify(execFile)('node', [...args, '--json'], { cwd: repoRoot });
  return JSON.parse(stdout) as NodeZeroShot;
}

test('the model panel loads the embedded CLIP, matches PyTorch in the browser, and zero-shot matches Node', async ({
  page,
}) => {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  const fromNode = nodeZeroShot();
  fromNode.catch(() => undefined); // awaited, and reported, after the browser's run
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto('/');
  await openPanel(page, 'Model');

  // The embedded model loads with the page.
  const summary = page.getByTestId('model-summary');
  await expect(summary).toHaveAttribute('data-model', 'embedded', { timeout: 60_000 });
  const dim = (name: string) => summary.locator(`[data-dim="${name}"]`);
  await expect(dim('text-width')).toHaveText('128');
  await expect(dim('vision-width')).toHaveText('128');
  await expect(dim('text-layers')).toHaveText('4');
  await expect(dim('vision-heads')).toHaveText('4');
  await expect(dim('vision-patch')).toHaveText('16 px');
  await expect(dim('vision-image')).toHaveText('64 px');
  await expect(dim('text-tokens')).toContainText('32');
  await expect(dim('text-vocab')).toHaveText('731');
  await expect(dim('projection')).toContainText('128 dimensions');
  await expect(page.getByTestId('model-engine'), 'the engine on WebGPU, not the CPU fallback').toContainText(
    'WebGPU on',
  );
  // The engine self-test on this GPU, from here as from the Engine panel.
  const selfTest = page.getByTestId('model-self-test');
  await selfTest.getByRole('button', { name: 'Run the engine self-test' }).click();
  await expect(selfTest).toContainText(/^(\d+) of \1 ops passed on this GPU/, { timeout: 4 * 60_000 });
  // onnxruntime-web starts on first use, or when asked for here.
  const onnxruntime = page.getByTestId('model-onnxruntime');
  await expect(onnxruntime).toContainText('starts when first used');
  await onnxruntime.getByRole('button', { name: 'Start onnxruntime-web now' }).click();
  await expect(onnxruntime).toHaveText('onnxruntime-web (webgpu)', { timeout: 60_000 });
  console.log(`model summary after ${seconds()} s`);

  // Parity with PyTorch, in this browser.
  await page.getByRole('button', { name: 'Check parity' }).click();
  const parity = page.getByTestId('parity');
  await expect(parity).toHaveAttribute('data-state', /done|error/, { timeout: 4 * 60_000 });
  await expect(parity.getByRole('alert'), 'the check ran').toHaveCount(0);
  const pairs = await page
    .getByTestId('parity-row')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((row) => [
          row.getAttribute('data-pair'),
          { text: Number(row.getAttribute('data-text')), image: Number(row.getAttribute('data-image')) },
        ]),
      ),
    );
  console.log(`parity after ${seconds()} s: ${JSON.stringify(pairs)}`);
  for (const pair of ['engine-pytorch', 'onnxruntime-pytorch', 'engine-onnxruntime']) {
    expect(pairs[pair]?.text, `${pair} text max |Δ|`).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(pairs[pair]?.image, `${pair} image max |Δ|`).toBeLessThanOrEqual(PARITY_TOLERANCE);
  }
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('model-panel.png'), fullPage: true });

  // Zero-shot on a shipped pack, on the engine, as the CLI computes it.
  await openPanel(page, 'Zero-shot');
  await page.getByLabel('Task').selectOption(TASK);
  await expect(page.getByLabel('Prompt template')).toHaveValue('a photo of a {}.');
  await page.getByRole('radio', { name: /Our engine/ }).check();
  await page.getByRole('button', { name: 'Run zero-shot' }).click();
  const accuracy = page.getByTestId('zero-shot-accuracy');
  await expect(accuracy).toBeVisible({ timeout: 4 * 60_000 });
  await expect(page.getByTestId('zero-shot-runtime')).toContainText('engine on webgpu');
  const node = await fromNode;
  const expected = node.tasks[0];
  console.log(
    `zero-shot after ${seconds()} s: browser ${await accuracy.getAttribute('data-top1')}, Node ${expected?.accuracy.top1} (${node.backend})`,
  );
  await expect(page.getByTestId('prediction')).toHaveCount(expected?.images ?? -1);
  await expect(accuracy).toHaveAttribute('data-top1', String(expected?.accuracy.top1));
  await expect(page.getByTestId('prediction').filter({ has: page.locator('.fail') })).toHaveCount(
    Math.round((1 - (expected?.accuracy.top1 ?? 0)) * (expected?.images ?? 0)),
  );
  // Every test image shown, not broken.
  await expect
    .poll(() =>
      page
        .getByTestId('prediction')
        .locator('img')
        .evaluateAll((images) => (images as HTMLImageElement[]).filter((i) => i.naturalWidth === 0).length),
    )
    .toBe(0);
  await expectNamedControls(page);
  await page.screenshot({ path: artifact('zero-shot-panel.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: artifact('zero-shot-panel-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  // The same on onnxruntime-web's run of the exported graphs: the same predictions, within 2e-7 embeddings.
  await page.getByRole('radio', { name: /onnxruntime-web/ }).check();
  await page.getByRole('button', { name: 'Run zero-shot' }).click();
  await expect(page.getByTestId('zero-shot-runtime')).toHaveText(/onnxruntime-web \(webgpu\)/, {
    timeout: 4 * 60_000,
  });
  await expect(accuracy).toHaveAttribute('data-top1', String(expected?.accuracy.top1));

  // Other sources: a Hub model fails cleanly offline and the embedded one stays; local files load.
  await page.context().route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  await openPanel(page, 'Model');
  await page.getByRole('button', { name: 'Xenova/clip-vit-base-patch32' }).click();
  await expect(page.getByRole('alert')).toContainText('could not download https://huggingface.co/', {
    timeout: 60_000,
  });
  await expect(page.getByRole('alert')).toContainText('The model embedded is still in use.');
  await expect(summary).toHaveAttribute('data-model', 'embedded');
  const modelDir = `${repoRoot}models/tiny-clip/`;
  await page
    .getByLabel('Model files')
    .setInputFiles(
      ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']
        .map((file) => modelDir + file)
        .concat(['text_model.onnx', 'vision_model.onnx'].map((file) => `${modelDir}onnx/${file}`)),
    );
  await expect(summary).toHaveAttribute('data-model', 'dropped files', { timeout: 60_000 });
  await expect(dim('vision-width')).toHaveText('128');
  await expect(page.getByRole('alert')).toHaveCount(0);

  expect(pageErrors).toEqual([]);
});
