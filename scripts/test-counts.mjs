// Runs one test runner and counts what it reports, so that the closing "N passed, N failed" line cannot
// hide a failure: a file that fails to load or a failing hook counts as a failure, and so does a runner
// that dies without a report or exits non-zero while its report shows nothing failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** Vitest's JSON report: failed tests, plus each file that failed with no failed test (load error, hook). */
export function vitestCounts(report) {
  let failed = 0;
  for (const file of report.testResults) {
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed').length;
    failed += file.status === 'failed' && failedTests === 0 ? 1 : failedTests;
  }
  return { passed: report.numPassedTests, failed };
}

/** Playwright's JSON report: unexpected and flaky tests, plus errors outside any test (a spec that fails to load). */
export function playwrightCounts(report) {
  return {
    passed: report.stats.expected,
    failed: report.stats.unexpected + report.stats.flaky + (report.errors?.length ?? 0),
  };
}

/**
 * Runs `command` and counts its report at `reportPath` with `counts`; a step without a report (the type
 * check, the linter) fails as one. The old report is removed first, so a runner that dies cannot be read
 * from the last run's.
 * @param {{ command: string[], env?: Record<string, string>, reportPath?: string,
 *   counts?: (report: any) => { passed: number, failed: number } }} step
 * @returns {{ status: number, passed: number, failed: number }}
 */
export function runCounted({ command, env, reportPath, counts }) {
  if (reportPath) rmSync(reportPath, { force: true });
  const run = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  const status = run.status ?? 1;
  let result = { passed: 0, failed: reportPath ? 1 : 0 };
  if (reportPath && existsSync(reportPath)) {
    try {
      result = counts(JSON.parse(readFileSync(reportPath, 'utf8')));
    } catch {
      // an unreadable report is a runner that died while writing it: one failure, as above
    }
  }
  if (status !== 0 && result.failed === 0) result = { ...result, failed: 1 };
  return { status, ...result };
}

/** The closing line CI reads. */
export function closingLine(passed, failed) {
  return `${passed} passed, ${failed} failed`;
}
