import { defineConfig } from '@playwright/test';

/** E2E_PORT lets several suites run at once on one machine, each with its own build and server. */
const port = Number(process.env.E2E_PORT ?? 4173);
const outDir = port === 4173 ? 'dist' : `dist-${port}`;

/**
 * WebGPU in headless Chromium with no GPU: Linux builds keep WebGPU behind `--enable-unsafe-webgpu`, and
 * pinning the adapter to SwiftShader makes the run the same on machines that do have a GPU (and the same
 * implementation the Node tests use). The rest keeps the browser from reaching the network.
 */
const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: port === 4173 ? 'e2e/artifacts/results' : `e2e/artifacts/results-${port}`,
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // SwiftShader runs the self-test on the CPU, on a machine that may have two slow cores.
  timeout: 5 * 60_000,
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
      // Chromium's sandbox cannot start as root; Playwright then passes --no-sandbox.
      chromiumSandbox: process.getuid?.() !== 0,
    },
  },
  webServer: {
    // The production bundle, as users get it: a dev server would test Vite's on-the-fly transforms instead.
    command: `npx vite build --outDir ${outDir} && npx vite preview --outDir ${outDir} --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 5 * 60_000,
  },
});
