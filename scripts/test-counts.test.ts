// The closing line of `npm test` counts every way a runner can fail (scripts/test-counts.mjs), shown on a
// real Vitest run over scripts/testdata/failing-suite: a file that fails to load, a failing hook, a passing test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closingLine, playwrightCounts, runCounted, vitestCounts } from './test-counts.mjs';

const reportPath = join(mkdtempSync(join(tmpdir(), 'test-counts-')), 'report.json');
const suite = 'scripts/testdata/failing-suite';

function runVitest(...files: string[]) {
  const command = ['npx', 'vitest', 'run', '--config', `${suite}/vitest.config.ts`, '--reporter=json'];
  return runCounted({
    command: [...command, `--outputFile.json=${reportPath}`, ...files],
    reportPath,
    counts: vitestCounts,
  });
}

describe('the closing line', () => {
  it('counts a test file that fails to load as a failure', () => {
    const result = runVitest('fails-to-load', 'passes');
    expect(closingLine(result.passed, result.failed)).toBe('1 passed, 1 failed');
    expect(result.status).not.toBe(0);
  });

  it('counts a failing hook as a failure', () => {
    const result = runVitest('failing-hook', 'passes');
    expect(closingLine(result.passed, result.failed)).toBe('1 passed, 1 failed');
  });

  it('counts every failure of a run that has several', () => {
    const result = runVitest();
    expect(closingLine(result.passed, result.failed)).toBe('1 passed, 2 failed');
  });

  it('counts a runner that dies without a report, and ignores the last run\u2019s report', () => {
    runVitest('passes');
    const died = runCounted({ command: ['node', '-e', 'process.exit(3)'], reportPath, counts: vitestCounts });
    expect(died).toEqual({ status: 3, passed: 0, failed: 1 });
  });

  it('counts a runner that exits non-zero with a clean report, and a step without a report', () => {
    const write = `require('fs').writeFileSync(${JSON.stringify(reportPath)}, '{"numPassedTests":4,"testResults":[]}'); process.exit(1)`;
    expect(runCounted({ command: ['node', '-e', write], reportPath, counts: vitestCounts })).toEqual({
      status: 1,
      passed: 4,
      failed: 1,
    });
    expect(runCounted({ command: ['node', '-e', 'process.exit(2)'] })).toEqual({
      status: 2,
      passed: 0,
      failed: 1,
    });
    expect(runCounted({ command: ['node', '-e', ''] })).toEqual({ status: 0, passed: 0, failed: 0 });
  });

  it("counts Playwright's errors outside any test (a spec that fails to load)", () => {
    const report = {
      stats: { expected: 5, unexpected: 1, flaky: 1, skipped: 0 },
      errors: [{ message: 'SyntaxError' }],
    };
    expect(playwrightCounts(report)).toEqual({ passed: 5, failed: 3 });
  });
});
