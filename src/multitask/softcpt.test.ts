import { describe, expect, it } from 'vitest';
import { reshape } from '../engine/ops/reshape';
import { sliceTokens } from '../engine/ops/tokens';
import { Random } from '../engine/random';
import { Tape } from '../engine/tape';
import { cpu } from '../engine/testing/backends';
import { checkMethodGradients } from '../methods/check/method-gradients';
import type { MethodTask } from '../methods/method';
import { unionClassNames } from '../methods/method-tasks';
import { methodDefinition } from '../methods/registry';
import { META_NETWORK, type SoftContextSharing, softcpt, TASK_CONTEXT } from '../methods/softcpt';
import { methodFixture, tinyClip } from '../methods/testing';
import { modelMissing } from '../train/testing';

const TASKS: MethodTask[] = [
  { name: 'noisy-colours', classes: ['red', 'green', 'blue'] },
  { name: 'counting', classes: ['one', 'two', 'three', 'four'] },
];

describe.skipIf(modelMissing)('SoftCPT on the CPU backend', () => {
  // methods.test.ts runs every fixture (the multitask ones too) on both backends; this is SoftCPT's on its own.
  it('matches its PyTorch reference on a mixed batch with the masked loss', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const report = await checkMethodGradients(methodFixture('softcpt'), model, tokenizer, 'softcpt');
    expect(report.mismatches).toEqual([]);
    expect(report.strayGradients).toBe(0);
    expect(report.gradients.map((g) => g.name).sort()).toEqual([META_NETWORK, TASK_CONTEXT]);
    for (const g of report.gradients) expect(g.error, g.name).toBeLessThan(1e-3);
    expect(report.passed).toBe(true);
  });

  it("scores task t's classes as CoOp does with the context the meta network writes for t", async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const hyperparameters = { n_ctx: 4, task_n_ctx: 2 };
    const soft = softcpt.create(
      { model, tokenizer, classNames: unionClassNames(TASKS), tasks: TASKS, seed: 3 },
      hyperparameters,
    ) as SoftContextSharing;
    const width = model.config.text.hiddenSize;
    const images = cpu.tensor(
      [5, model.config.projectionDim],
      new Random(1).normals(5 * model.config.projectionDim),
    );
    const tape = new Tape(cpu, false);
    const union = await soft.classifier(tape).logits(tape, images).read();
    const contexts = soft.taskContexts(tape);
    let start = 0;
    for (const [t, task] of TASKS.entries()) {
      const coop = methodDefinition('coop').create(
        { model, tokenizer, classNames: task.classes, seed: 0 },
        { n_ctx: 4 },
      );
      const ctx = await reshape(tape, sliceTokens(tape, contexts, t, 1), [4, width]).read();
      cpu.write(
        coop.learnables.get('prompt_learner.ctx') as NonNullable<ReturnType<typeof coop.learnables.get>>,
        ctx,
      );
      const logits = await coop.classifier(tape).logits(tape, images).read();
      const k = task.classes.length;
      for (let r = 0; r < 5; r++) {
        for (let c = 0; c < k; c++) {
          expect(union[r * 7 + start + c]).toBeCloseTo(logits[r * k + c] as number, 4);
        }
      }
      start += k;
      coop.dispose();
    }
    tape.dispose();
    images.free();
    soft.dispose();
  });

  it('needs the tasks, and a class list that is theirs concatenated', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    expect(() => softcpt.create({ model, tokenizer, classNames: ['red'], seed: 0 })).toThrow(
      /needs the tasks/,
    );
    expect(() => softcpt.create({ model, tokenizer, classNames: ['red'], tasks: TASKS, seed: 0 })).toThrow(
      /concatenated/,
    );
  });
});
