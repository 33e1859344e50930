import { describe, expect, it } from 'vitest';
import type { MethodId } from '../methods/method';
import { methodDefinitions } from '../methods/registry';
import { BENCH_EPOCHS, benchEpochs, type GridCell, shardTasks, summarizeGrid } from './accuracy-grid';

function cell(
  method: MethodId,
  task: string,
  shots: number,
  seed: number,
  test: number,
  val: number | null,
  novel: number | null = null,
): GridCell {
  return {
    task,
    method,
    shots,
    seed,
    testAccuracy: test,
    novelAccuracy: novel,
    validationAccuracy: val,
    keptEpoch: null,
    epochs: 1,
    history: [],
    trainImages: 0,
    seconds: 0,
  };
}

describe('summarizeGrid', () => {
  // Two tasks, two seeds: per-seed averages over tasks are 0.5 and 0.7.
  const cells = [
    cell('coop', 'a', 16, 1, 0.4, 0.5),
    cell('coop', 'b', 16, 1, 0.6, 0.5),
    cell('coop', 'a', 16, 2, 0.8, 1),
    cell('coop', 'b', 16, 2, 0.6, 0.5),
    cell('zero-shot', 'a', 0, 0, 0.3, null),
    cell('zero-shot', 'b', 0, 0, 0.9, null),
  ];
  const summary = summarizeGrid(cells);

  it('averages over tasks per seed, then takes mean ± std (ddof 0) over seeds', () => {
    const coop = summary.average.find((r) => r.method === 'coop');
    expect(coop?.testAccuracy.mean).toBeCloseTo(0.6, 12);
    expect(coop?.testAccuracy.std).toBeCloseTo(0.1, 12);
    expect(coop?.validationAccuracy?.mean).toBeCloseTo(0.625, 12);
    expect(coop?.validationAccuracy?.std).toBeCloseTo(0.125, 12);
    expect(coop).toMatchObject({ seeds: 2, tasks: 2 });
  });

  it('reports one task over its seeds', () => {
    const a = summary.perTask.find((r) => r.method === 'coop' && r.task === 'a');
    expect(a?.testAccuracy.mean).toBeCloseTo(0.6, 12);
    expect(a?.testAccuracy.std).toBeCloseTo(0.2, 12);
  });

  it('gives zero-shot, run once per task, no spread and no validation', () => {
    const zeroShot = summary.average.find((r) => r.method === 'zero-shot');
    expect(zeroShot?.testAccuracy).toEqual({ mean: 0.6, std: 0 });
    expect(zeroShot?.validationAccuracy).toBeNull();
  });

  it('refuses to average a seed that misses a task', () => {
    expect(() => summarizeGrid(cells.slice(0, 3))).toThrow(/seed 2 misses/);
  });
});

describe('summarizeGrid on base-to-novel cells', () => {
  // Seed 1: base 0.8, 0.6 (mean 0.7), novel 0.2, 0.4 (mean 0.3); seed 2: base 1, 0.8 (0.9), novel 0.6, 0.8 (0.7).
  const cells = [
    cell('coop', 'a', 16, 1, 0.8, null, 0.2),
    cell('coop', 'b', 16, 1, 0.6, null, 0.4),
    cell('coop', 'a', 16, 2, 1, null, 0.6),
    cell('coop', 'b', 16, 2, 0.8, null, 0.8),
  ];
  const summary = summarizeGrid(cells);
  const hm = (b: number, n: number) => (2 * b * n) / (b + n);

  it('averages base and novel over tasks per seed, then takes the harmonic mean of the averages', () => {
    const coop = summary.average[0];
    expect(coop?.testAccuracy.mean).toBeCloseTo(0.8, 12);
    expect(coop?.novel?.novelAccuracy.mean).toBeCloseTo(0.5, 12);
    expect(coop?.novel?.novelAccuracy.std).toBeCloseTo(0.2, 12);
    const [first, second] = [hm(0.7, 0.3), hm(0.9, 0.7)];
    expect(coop?.novel?.harmonicMean.mean).toBeCloseTo((first + second) / 2, 12);
    expect(coop?.novel?.harmonicMean.std).toBeCloseTo(Math.abs(first - second) / 2, 12);
  });

  it("reports a task's harmonic mean per seed, and none for cells without a novel half", () => {
    const a = summary.perTask.find((r) => r.task === 'a');
    expect(a?.novel?.harmonicMean.mean).toBeCloseTo((hm(0.8, 0.2) + hm(1, 0.6)) / 2, 12);
    expect(summarizeGrid([cell('coop', 'a', 16, 1, 0.8, null)]).average[0]?.novel).toBeNull();
  });
});

describe('benchEpochs', () => {
  it('has a reasoned entry for every method that trains on one task, and none for zero-shot', () => {
    for (const definition of Object.values(methodDefinitions)) {
      if (definition.requiresTasks) continue;
      if (!definition.training) {
        expect(benchEpochs(definition, 16)).toBeNull();
        continue;
      }
      expect(BENCH_EPOCHS[definition.id]?.why.length, definition.id).toBeGreaterThan(20);
      for (const shots of [1, 4, 16]) {
        const epochs = benchEpochs(definition, shots) as number;
        expect(Number.isInteger(epochs) && epochs >= 1, `${definition.id} ${shots}`).toBe(true);
      }
    }
  });
});

describe('shardTasks', () => {
  it('balances classes across groups, keeping each group in the given order', () => {
    const tasks = [4, 10, 6, 6, 5, 6, 4, 6].map((n, i) => ({ name: `t${i}`, classes: Array(n).fill('c') }));
    const shards = shardTasks(tasks, 2);
    const load = (shard: typeof tasks) => shard.reduce((s, t) => s + t.classes.length, 0);
    const loads = shards.map(load);
    // Greedy: the two differ by no more than the smallest task.
    expect(loads.reduce((a, b) => a + b)).toBe(47);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(4);
    for (const shard of shards) expect(shard).toEqual(tasks.filter((t) => shard.includes(t)));
    expect(shardTasks(tasks.slice(0, 1), 4)).toHaveLength(1);
  });
});
