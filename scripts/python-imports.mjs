// The modules a Python source imports, read from its text: every `import a, b.c as d` and `from a.b import c`
// at any indentation (the pipeline imports inside functions too); relative imports are the file's own package.

const IMPORT = /^[ \t]*import[ \t]+([^#\n]+)/gm;
const FROM_IMPORT = /^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b/gm;

/** Top-level module names imported by `source`, sorted and without repeats. */
export function importedModules(source) {
  const names = new Set();
  for (const [, list] of source.matchAll(IMPORT)) {
    for (const part of list.split(',')) {
      const name = part.trim().split(/\s+/)[0];
      if (name) names.add(name.split('.')[0]);
    }
  }
  for (const [, name] of source.matchAll(FROM_IMPORT)) names.add(name.split('.')[0]);
  return [...names].sort();
}
