// Every Python module the repository imports is in the standard library, is one of the repository's own
// files, or is installed by setup: a new third-party import fails here before it fails on a fresh machine.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedModules } from './python-imports.mjs';
import { PYTHON, PYTHON_MODULES } from './setup.mjs';

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'test-results', 'public', 'testdata']);

function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('dist-') ? [] : pythonFiles(path);
    return entry.name.endsWith('.py') ? [path] : [];
  });
}

/** Imports that are neither standard, nor local, nor named by setup, as "module (file)". */
function unprovided(files: readonly string[], stdlib: ReadonlySet<string>): string[] {
  const local = new Set(files.map((file) => basename(file, '.py')));
  const provided = new Set(Object.keys(PYTHON_MODULES));
  return files.flatMap((file) =>
    importedModules(readFileSync(file, 'utf8'))
      .filter((name) => !stdlib.has(name) && !local.has(name) && !provided.has(name))
      .map((name) => `${name} (${file})`),
  );
}

const stdlibNames = spawnSync(
  PYTHON,
  ['-c', 'import sys, json; print(json.dumps(sorted(sys.stdlib_module_names)))'],
  {
    encoding: 'utf8',
  },
);
const stdlib = new Set<string>(stdlibNames.status === 0 ? JSON.parse(stdlibNames.stdout) : []);

describe('Python imports', () => {
  it('reads plain, aliased, dotted, indented and from-imports, and leaves relative ones out', () => {
    const source = [
      'import json, torch.nn.functional as F',
      'from PIL import Image',
      'def build():',
      '    import regex  # the tokenizer',
      '    from .bpe import encode',
      'x = "import nothing"',
    ].join('\n');
    expect(importedModules(source)).toEqual(['PIL', 'json', 'regex', 'torch']);
  });

  it('flags a third-party import that setup does not install', () => {
    expect(stdlib.size).toBeGreaterThan(100);
    const dir = 'scripts/testdata/python-imports';
    expect(unprovided([join(dir, 'needs-scipy.py')], stdlib)).toEqual([
      `scipy (${join(dir, 'needs-scipy.py')})`,
    ]);
  });

  it('finds every module imported in the repository provided', () => {
    const files = pythonFiles('.');
    expect(files.length).toBeGreaterThan(10);
    expect(unprovided(files, stdlib)).toEqual([]);
  });
});
