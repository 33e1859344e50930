import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from '../engine/ops/cross-entropy';
import { Tape } from '../engine/tape';
import { cpu } from '../engine/testing/backends';
import { evaluationReport } from '../train/evaluate';
import type { TaskData } from '../train/task-data';
import { withTaskIds } from '../train/task-data';
import { TaskUnion } from './task-union';

const image = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
const task = (name: string, classes: string[]): TaskData => ({
  name,
  classes,
  train: classes.map((_, label) => ({ id: `train/${label}.png`, image, label })),
  test: classes.map((_, label) => ({ id: `test/${label}.png`, image, label })),
});
// Two tasks that share a class name and file names: the union keeps both, apart.
const union = new TaskUnion([task('colours', ['red', 'green']), task('glyphs', ['red', 'blue', 'pink'])]);

describe('task union', () => {
  it("concatenates the tasks' classes and relabels examples into the union, ids apart", () => {
    expect(union.classNames).toEqual(['red', 'green', 'red', 'blue', 'pink']);
    expect(union.ranges).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 5 },
    ]);
    const examples = union.examples(1, union.tasks[1]?.train ?? []);
    expect(examples.map((e) => [e.label, e.task, e.id])).toEqual([
      [2, 1, 'glyphs/train/0.png'],
      [3, 1, 'glyphs/train/1.png'],
      [4, 1, 'glyphs/train/2.png'],
    ]);
    expect(withTaskIds(union.tasks[0] as TaskData).test.map((e) => e.id)).toEqual([
      'colours/test/0.png',
      'colours/test/1.png',
    ]);
    expect(() => new TaskUnion([task('a', ['x']), task('a', ['y'])])).toThrow(/two tasks are named a/);
  });

  it("leaves a sample's other tasks' classes out of its loss: no effect, gradient exactly 0", async () => {
    const batch = [
      ...union.examples(0, union.tasks[0]?.train ?? []),
      ...union.examples(1, union.tasks[1]?.train ?? []),
    ];
    const mask = union.classMask(batch);
    expect([...mask.subarray(0, 5)]).toEqual([1, 1, 0, 0, 0]);
    expect([...mask.subarray(10, 15)]).toEqual([0, 0, 1, 1, 1]);
    const labels = batch.map((e) => e.label);
    const lossAndGrad = async (values: number[]) => {
      const tape = new Tape(cpu);
      const logits = cpu.tensor([batch.length, 5], values, { requiresGrad: true });
      const loss = softmaxCrossEntropy(tape, logits, labels, mask);
      const [value] = await loss.read();
      const grads = tape.backward(loss);
      const grad = await (grads.get(logits) as NonNullable<ReturnType<typeof grads.get>>).read();
      tape.dispose();
      logits.free();
      return { value: value as number, grad };
    };
    const values = Array.from({ length: batch.length * 5 }, (_, i) => Math.sin(i));
    const base = await lossAndGrad(values);
    // A huge logit on another task's class changes nothing.
    const pushed = [...values];
    pushed[0 * 5 + 4] = 1e4;
    pushed[3 * 5 + 1] = 1e4;
    const after = await lossAndGrad(pushed);
    expect(after.value).toBeCloseTo(base.value, 6);
    [...base.grad].forEach((g, i) => {
      if (mask[i] === 0) expect(g).toBe(0);
      else expect(g).not.toBe(0);
    });
  });

  it("predicts only among the sample's own task's classes", () => {
    // Every image scores glyphs' 'pink' highest of all; colours' images must still get a colours class.
    const logits = { data: Float32Array.from([0.2, 0.1, 0, 0, 9, 0.1, 0.3, 0, 0, 9]), rows: 2, cols: 5 };
    const colours = union.taskLogits(logits, 0);
    expect(colours).toEqual({ data: Float32Array.from([0.2, 0.1, 0.1, 0.3]), rows: 2, cols: 2 });
    expect(evaluationReport(colours, [0, 1]).top1).toBe(1);
    expect(evaluationReport(union.taskLogits(logits, 1), [2, 2]).top1).toBe(1);
  });
});
