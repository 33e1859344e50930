/**
 * The house's floors, read from every import under src/, workers/ and scripts/. Lowest first:
 *
 *     common < engine < clip < tasks < methods < train < prompts < multitask < sessions
 *       < workers, cli, scripts < store, persistence, worker-client < ui
 *
 * A file imports its own floor and those below, types included (a type is still a dependency). Tests and
 * test-only helpers (src/testing/) stand on no floor: a test may reach up to what it checks. No run-time
 * import cycle anywhere; with type imports, none but zustand's slice pattern (the store's slices name the
 * whole state's type, which the store assembles from them) and the ones listed below, still to break.
 */
import { describe, expect, it } from 'vitest';
import {
  type Floors,
  type ImportGraph,
  importCycles,
  readImportGraph,
  upwardImports,
} from './testing/import-graph';

const FLOORS: Floors = [
  ['src/common/'],
  ['src/engine/'],
  ['src/clip/'],
  ['src/tasks/'],
  ['src/methods/'],
  ['src/train/'],
  ['src/prompts/'],
  ['src/multitask/'],
  ['src/sessions/'],
  ['workers/', 'src/cli/', 'scripts/'],
  ['src/store/', 'src/persistence/', 'src/worker-client/'],
  ['src/ui/', 'src/main.tsx'],
];

/**
 * Type-level cycles still to break, each named by two of its files; a cycle none of these names fails, and
 * so does an entry whose cycle is gone (take it out).
 */
const TYPE_CYCLES_TO_BREAK: readonly (readonly [string, string])[] = [
  // Backend names its implementations' types, which make and take Tensors, which hold their Backend.
  ['src/engine/backend.ts', 'src/engine/tensor.ts'],
  // MatmulSpec lives with the op, its CPU reference imports it back.
  ['src/engine/ops/matmul.ts', 'src/engine/ops/matmul-cpu.ts'],
  ['src/methods/catalog.ts', 'src/methods/method.ts'],
  ['src/multitask/transfer-state.ts', 'src/multitask/transfer-state-json.ts'],
  // The worker's entry exports the API types its parts import (the protocol file will hold them).
  ['workers/engine.worker.ts', 'workers/prompt-api.ts'],
];

/** Upward imports still to remove: test helpers in product folders (they go to src/testing/), a DOM click. */
const UPWARD_TO_REMOVE: readonly string[] = [
  'src/multitask/testing.ts → src/cli/studio-inputs.ts',
  'src/train/testing.ts → src/cli/studio-inputs.ts',
  'src/train/testing.ts → src/prompts/model-identity.ts',
];

/** The graph without tests and test-only helpers, which stand on no floor. */
function productGraph(graph: ImportGraph): ImportGraph {
  const isTest = (file: string) => /\.test\.tsx?$/.test(file) || file.startsWith('src/testing/');
  return new Map([...graph].filter(([file]) => !isTest(file)));
}

/** Every cycle the floors refuse: all run-time ones, and type-level ones but zustand's slice pattern. */
function refusedCycles(graph: ImportGraph): { runtime: string[][]; typeLevel: string[][] } {
  const zustandSlices = (cycle: readonly string[]) => cycle.every((file) => file.startsWith('src/store/'));
  return {
    runtime: importCycles(graph, (edge) => !edge.typeOnly),
    typeLevel: importCycles(graph).filter((cycle) => !zustandSlices(cycle)),
  };
}

describe('floors', () => {
  const graph = productGraph(
    readImportGraph('.', ['src', 'workers', 'scripts'], ['node_modules', 'testdata', 'fixtures']),
  );

  it('reads the imports of every file, types included', () => {
    expect(graph.size).toBeGreaterThan(200);
    const trainer = graph.get('src/train/trainer.ts') ?? [];
    expect(trainer.some((edge) => edge.to === 'src/train/epoch-loop.ts' && !edge.typeOnly)).toBe(true);
  });

  it('no file imports a floor above its own', () => {
    expect(upwardImports(graph, FLOORS).sort()).toEqual(UPWARD_TO_REMOVE);
  });

  it('has no import cycle but zustand’s slice pattern', () => {
    const { runtime, typeLevel } = refusedCycles(graph);
    expect(runtime).toEqual([]);
    const names = (cycle: readonly string[]) => (pair: readonly string[]) =>
      pair.every((file) => cycle.includes(file));
    expect(typeLevel.filter((cycle) => !TYPE_CYCLES_TO_BREAK.some(names(cycle)))).toEqual([]);
    expect(TYPE_CYCLES_TO_BREAK.filter((pair) => !typeLevel.some((cycle) => names(cycle)(pair)))).toEqual([]);
  });

  it('fails on a planted upward import and a planted cycle, not on the slice pattern', () => {
    const planted = readImportGraph('scripts/testdata/floors', ['src']);
    expect(upwardImports(planted, FLOORS)).toEqual(['src/engine/tensor.ts → src/ui/panel.ts']);
    const { runtime, typeLevel } = refusedCycles(planted);
    expect(runtime).toEqual([]);
    expect(typeLevel).toEqual([['src/train/epoch-loop.ts', 'src/train/trainer.ts']]);
    // The slice pattern is a cycle; it is the one let through.
    expect(importCycles(planted)).toContainEqual(['src/store/count-slice.ts', 'src/store/studio-store.ts']);
  });
});
