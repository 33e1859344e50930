#!/usr/bin/env node
// Every check in order: types, lint/format, unit tests (Node WebGPU + CPU), end-to-end tests (Chromium).
// Ends with one "N passed, N failed" line summed over every step (scripts/test-counts.mjs says what counts).
import { mkdirSync } from 'node:fs';
import { closingLine, playwrightCounts, runCounted, vitestCounts } from './test-counts.mjs';

mkdirSync('test-results', { recursive: true });
const steps = [
  { name: 'typecheck', command: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'lint', command: ['npx', 'biome', 'check', '.'] },
  {
    name: 'unit',
    command: [
      'npx',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=test-results/unit.json',
    ],
    reportPath: 'test-results/unit.json',
    counts: vitestCounts,
  },
  {
    name: 'e2e',
    command: ['npx', 'playwright', 'test', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/e2e.json' },
    reportPath: 'test-results/e2e.json',
    counts: playwrightCounts,
  },
];

let passed = 0;
let failed = 0;
const failedSteps = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.command.join(' ')}`);
  const started = Date.now();
  const result = runCounted(step);
  console.log(`=== ${step.name}: exit ${result.status} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (result.status !== 0) failedSteps.push(step.name);
  passed += result.passed;
  failed += result.failed;
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${closingLine(passed, failed)}`);
process.exit(failedSteps.length > 0 ? 1 : 0);
