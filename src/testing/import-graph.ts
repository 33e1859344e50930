/**
 * The repository's import graph, read from the source text, for the floors test (src/floors.test.ts).
 * Each edge records whether it survives compilation: `import type` and `export type` are erased, so they
 * decide no module's evaluation order, but they are still a dependency of one file on another.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** The imported file, relative to the root, with `/`. */
  to: string;
  /** Erased by compilation: `import type`, `export type`. */
  typeOnly: boolean;
}

/** File → the repository files it imports (paths relative to the root, with `/`). */
export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

const IMPORT_PATTERN =
  /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a file imports, each with whether only types come through it. */
export function importSpecifiers(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of source.matchAll(IMPORT_PATTERN)) {
    const [, , typeOnly, specifier, dynamic] = match;
    const target = dynamic ?? specifier;
    if (target) found.push({ specifier: target, typeOnly: !dynamic && Boolean(typeOnly) });
  }
  return found;
}

const SOURCE = /\.(tsx?|mjs)$/;
const EXTENSIONS = ['', '.ts', '.tsx', '.mjs', '/index.ts', '/index.tsx'];

/** The repository file a relative specifier names; null for a package or a file that is not source. */
function resolveSpecifier(root: string, from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(root, dirname(from), specifier.replace(/\?.*$/, ''));
  for (const ext of EXTENSIONS) {
    const candidate = base + ext;
    if (SOURCE.test(candidate) && existsSync(candidate) && statSync(candidate).isFile()) {
      return relative(root, candidate).split('\\').join('/');
    }
  }
  return null;
}

function sourceFiles(root: string, dir: string, skip: readonly string[]): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return skip.includes(entry.name) ? [] : sourceFiles(root, path, skip);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The graph of every source file under `dirs` (relative to `root`), leaving out folders named in `skip`. */
export function readImportGraph(
  root: string,
  dirs: readonly string[],
  skip: readonly string[] = ['node_modules'],
): ImportGraph {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of dirs.flatMap((dir) => sourceFiles(root, dir, skip))) {
    const edges = new Map<string, boolean>();
    for (const { specifier, typeOnly } of importSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      const to = resolveSpecifier(root, file, specifier);
      // A file imported both ways is imported at run time.
      if (to) edges.set(to, (edges.get(to) ?? true) && typeOnly);
    }
    graph.set(
      file,
      [...edges].map(([to, typeOnly]) => ({ to, typeOnly })),
    );
  }
  return graph;
}

/** The graph's cycles: each strongly connected component of more than one file (or a self-import). */
export function importCycles(
  graph: ImportGraph,
  follow: (edge: ImportEdge) => boolean = () => true,
): string[][] {
  const targets = (file: string) => (graph.get(file) ?? []).filter(follow).map((edge) => edge.to);
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
  };
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    visit(start);
    const work = [{ file: start, edges: targets(start), edge: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1] as (typeof work)[number];
      if (frame.edge < frame.edges.length) {
        const to = frame.edges[frame.edge++] as string;
        if (!index.has(to)) {
          visit(to);
          work.push({ file: to, edges: targets(to), edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.file, Math.min(low.get(frame.file) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.file, Math.min(low.get(parent.file) as number, low.get(frame.file) as number));
      if (low.get(frame.file) !== index.get(frame.file)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      if (component.length > 1 || frame.edges.includes(frame.file)) cycles.push(component.sort());
    }
  }
  return cycles;
}

/**
 * Floors, lowest first: each a list of path prefixes. A file may import its own floor and the floors below
 * it, never one above. A file on no floor is not checked.
 */
export type Floors = readonly (readonly string[])[];

/** The floor of the longest prefix `file` starts with; null when none. */
export function floorOf(floors: Floors, file: string): number | null {
  let best: { floor: number; length: number } | null = null;
  floors.forEach((prefixes, floor) => {
    for (const prefix of prefixes) {
      if (file.startsWith(prefix) && (!best || prefix.length > best.length))
        best = { floor, length: prefix.length };
    }
  });
  return (best as { floor: number } | null)?.floor ?? null;
}

/** Every import, types included, from a lower floor to a higher one, as "from → to". */
export function upwardImports(graph: ImportGraph, floors: Floors): string[] {
  const found: string[] = [];
  for (const [from, edges] of graph) {
    const own = floorOf(floors, from);
    if (own === null) continue;
    for (const { to } of edges) {
      const theirs = floorOf(floors, to);
      if (theirs !== null && theirs > own) found.push(`${from} → ${to}`);
    }
  }
  return found;
}
