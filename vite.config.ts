import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicyPlugin } from './scripts/content-security-policy.ts';
import { taskFilesPlugin } from './scripts/task-files-plugin.ts';

export default defineConfig({
  plugins: [react(), taskFilesPlugin(), contentSecurityPolicyPlugin()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  // The header as well as the built page's meta tag: a meta tag does not reach the workers' scripts.
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: true,
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
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
