/**
 * The page's JavaScript holds no engine: it shows methods from the catalog (methods/catalog.ts) and leaves
 * every kernel to the worker. Built here, as `vite build` builds it, and read: a WGSL kernel or an engine
 * error message in the page's chunk means an import reached src/engine/ again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
/** Text only the engine's code holds: WGSL entry points, and an error of the WebGPU backend. */
const ENGINE_MARKERS = ['@compute', 'WebGPU found no adapter'];

describe('the page bundle', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'page-bundle-'));
  let assets: string[];
  const text = (name: string) => readFileSync(join(outDir, 'assets', name), 'utf8');

  beforeAll(async () => {
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'silent', build: { outDir } });
    assets = readdirSync(join(outDir, 'assets'));
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('has no engine in the page’s chunk, and the worker’s has it', () => {
    const page = assets.filter((name) => /^index-.*\.js$/.test(name));
    const worker = assets.filter((name) => /^engine\.worker-.*\.js$/.test(name));
    expect(page).toHaveLength(1);
    expect(worker).toHaveLength(1);
    for (const marker of ENGINE_MARKERS) {
      expect(text(page[0] as string)).not.toContain(marker);
      expect(text(worker[0] as string)).toContain(marker);
    }
  });
});
