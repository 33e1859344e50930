#!/usr/bin/env node
// Installs the system pieces the tests need, or stops with one line saying what to install.
//   --browser  Debian's chromium (SwiftShader WebGPU for Playwright) and libvulkan1 (Dawn in Node)
//   --python   Debian's python3-torch and python3-onnx, for fixtures and the model-building pipeline
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const want = new Set(process.argv.slice(2));
const missing = [];

const hasLibrary = (name) => spawnSync('sh', ['-c', `ldconfig -p | grep -q ${name}`]).status === 0;
const pythonHas = (module) =>
  existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', `import ${module}`]).status === 0;

if (want.has('--browser')) {
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!hasLibrary('libvulkan.so.1')) missing.push('libvulkan1');
}
if (want.has('--python')) {
  if (!pythonHas('torch')) missing.push('python3-torch');
  if (!pythonHas('onnx')) missing.push('python3-onnx');
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
