#!/usr/bin/env node
// Builds the engine's WebAssembly kernels from src/engine/wasm/kernels/*.c with Debian's clang-19 and
// wasm-ld-19 (packages clang-19 and lld-19; setup.mjs --wasm installs them). Four modules: 128-bit SIMD,
// and SIMD with relaxed SIMD (fused multiply-add), each importing either a shared memory (growable, and
// what threads need) or a plain one (where the page is not cross-origin isolated and shared memory is
// refused). The outputs are committed; `--check` rebuilds into a temporary folder and fails if they
// differ from the committed ones (src/engine/wasm/wasm-build.test.ts runs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernels = join(root, 'src/engine/wasm/kernels');
const CLANG = 'clang-19';
const LINKER = 'wasm-ld-19';

const SIMD = { simd: ['-msimd128'], relaxed: ['-msimd128', '-mrelaxed-simd'] };
const MEMORY = {
  plain: [],
  // wasm32's whole address space, so the memory can grow to 4 GiB.
  shared: ['-matomics', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296'],
};

/** The file each (SIMD, memory) pair builds; src/engine/wasm/wasm-kernels.ts loads them by these names. */
export const WASM_MODULES = Object.keys(SIMD).flatMap((simd) =>
  Object.keys(MEMORY).map((memory) => ({ file: `engine-${simd}-${memory}.wasm`, simd, memory })),
);

export function toolchainPresent() {
  return spawnSync(CLANG, ['--version']).status === 0 && spawnSync(LINKER, ['--version']).status === 0;
}

function build(outDir) {
  // Sorted, and named relative to the kernels folder, so the output does not depend on the checkout's path.
  const sources = readdirSync(kernels)
    .filter((f) => f.endsWith('.c'))
    .sort();
  for (const { file, simd, memory } of WASM_MODULES) {
    execFileSync(
      CLANG,
      [
        '--target=wasm32',
        '-O3',
        '-ffast-math',
        '-mbulk-memory',
        '-mnontrapping-fptoint',
        ...SIMD[simd],
        ...MEMORY[memory],
        '-nostdlib',
        '-Wall',
        '-Werror',
        '-Wl,--no-entry',
        '-Wl,--import-memory',
        '-Wl,--export=__heap_base',
        '-Wl,--strip-all',
        '-o',
        join(outDir, file),
        ...sources,
      ],
      { cwd: kernels, stdio: 'inherit' },
    );
  }
}

/** The committed modules that differ from a fresh build (empty when they all match). */
export function staleModules() {
  const dir = mkdtempSync(join(tmpdir(), 'build-wasm-'));
  try {
    build(dir);
    return WASM_MODULES.map((m) => m.file).filter(
      (file) => !readFileSync(join(dir, file)).equals(readFileSync(join(kernels, file))),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!toolchainPresent()) {
    console.error(`build-wasm: ${CLANG} and ${LINKER} are missing: apt-get install clang-19 lld-19`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    const stale = staleModules();
    if (stale.length > 0) {
      console.error(`build-wasm: committed ${stale.join(', ')} differ from the build (npm run build:wasm)`);
      process.exit(1);
    }
    console.log('build-wasm: committed modules equal the build');
  } else {
    build(kernels);
    console.log(`build-wasm: wrote ${WASM_MODULES.map((m) => m.file).join(', ')}`);
  }
}
