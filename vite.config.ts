import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { taskFilesPlugin } from './scripts/task-files-plugin.ts';

export default defineConfig({
  plugins: [react(), taskFilesPlugin()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/engine/testing/setup-webgpu.ts'],
    // SwiftShader is a software rasteriser on 2 cores: one GPU test file at a time keeps timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
