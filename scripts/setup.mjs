#!/usr/bin/env node
// Installs the system pieces the tests need, or stops with one line saying what to install.
//   --browser  Debian's chromium (SwiftShader WebGPU for Playwright) and libvulkan1 (Dawn in Node)
//   --python   the Python modules of scripts/system-requirements.mjs, for fixtures and the model pipeline
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BROWSER_PACKAGES, PYTHON, PYTHON_MODULES } from './system-requirements.mjs';

const want = new Set(process.argv.slice(2));
const missing = [];

const hasLibrary = (name) => spawnSync('sh', ['-c', `ldconfig -p | grep -q ${name}`]).status === 0;
const pythonHas = (module) =>
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;

if (want.has('--browser')) {
  if (!existsSync(BROWSER_PACKAGES.chromium)) missing.push('chromium');
  if (!hasLibrary(BROWSER_PACKAGES.libvulkan1)) missing.push('libvulkan1');
}
if (want.has('--python')) {
  if (!existsSync(PYTHON)) missing.push('python3');
  for (const [module, pkg] of Object.entries(PYTHON_MODULES)) if (!pythonHas(module)) missing.push(pkg);
}

if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    console.error(
      `prompt-studio setup: please install these Debian packages first: apt-get install ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`prompt-studio setup: installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
}
console.log('prompt-studio setup: system requirements present');
