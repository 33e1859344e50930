#!/usr/bin/env node
// Installs the system pieces the tests need, or stops with one line saying what to install.
//   --browser  Debian's chromium (SwiftShader WebGPU for Playwright) and libvulkan1 (Dawn in Node)
//   --python   the Python modules below, for fixtures and the model pipeline
//   --wasm     Debian's clang-19 and lld-19, which build the engine's WebAssembly kernels (npm run build:wasm)
// The lists are data, exported: scripts/system-requirements.test.ts checks every Python import against them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const PYTHON = '/usr/bin/python3';

/** Python modules outside the standard library, each with the Debian package that provides it. */
export const PYTHON_MODULES = {
  numpy: 'python3-numpy',
  onnx: 'python3-onnx',
  PIL: 'python3-pil',
  regex: 'python3-regex',
  torch: 'python3-torch',
};

/** Debian's Chromium (SwiftShader WebGPU for Playwright) and the Vulkan loader Dawn needs in Node. */
export const BROWSER_PACKAGES = { chromium: '/usr/bin/chromium', libvulkan1: 'libvulkan.so.1' };

/** clang with its wasm32 target and wasm-ld, each package with the program it provides. */
export const WASM_PACKAGES = { 'clang-19': '/usr/bin/clang-19', 'lld-19': '/usr/bin/wasm-ld-19' };

/** Installs what `flags` ask for and is missing, or exits with the apt-get line to run. */
function setup(flags) {
  const want = new Set(flags);
  const missing = [];

  const hasLibrary = (name) => spawnSync('sh', ['-c', `ldconfig -p | grep -q ${name}`]).status === 0;
  const pythonHas = (module) =>
    existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;

  if (want.has('--browser')) {
    if (!existsSync(BROWSER_PACKAGES.chromium)) missing.push('chromium');
    if (!hasLibrary(BROWSER_PACKAGES.libvulkan1)) missing.push('libvulkan1');
  }
  if (want.has('--wasm')) {
    for (const [pkg, program] of Object.entries(WASM_PACKAGES)) if (!existsSync(program)) missing.push(pkg);
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
}

// Run as a script (npm run setup), not when the requirements test imports the lists.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) setup(process.argv.slice(2));
