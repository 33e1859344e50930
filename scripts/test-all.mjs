#!/usr/bin/env node
// Every check in order: types, lint/format, unit tests (Node WebGPU + CPU), end-to-end tests (Chromium).
// Ends with one "N passed, N failed" line summed over the unit and e2e runners.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

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
    counts: () => {
      const report = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
      return {
        passed: report.numPassedTests,
        failed: report.numFailedTests + (report.numTotalTestSuites === 0 ? 1 : 0),
      };
    },
  },
  {
    name: 'e2e',
    command: ['npx', 'playwright', 'test', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/e2e.json' },
    counts: () => {
      const report = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
      return { passed: report.stats.expected, failed: report.stats.unexpected + report.stats.flaky };
    },
  },
];

let passed = 0;
let failed = 0;
const failedSteps = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.command.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(step.command[0], step.command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...step.env },
  });
  console.log(`=== ${step.name}: exit ${run.status} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (run.status !== 0) failedSteps.push(step.name);
  if (step.counts) {
    try {
      const c = step.counts();
      passed += c.passed;
      failed += c.failed;
    } catch {
      failed += 1; // the runner died before writing its report
    }
  } else if (run.status !== 0) {
    failed += 1;
  }
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 ? 1 : 0);
