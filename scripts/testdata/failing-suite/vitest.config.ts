// A suite whose every failure mode the closing line must count: scripts/test-counts.test.ts runs it.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['*.check.ts'], root: import.meta.dirname } });
