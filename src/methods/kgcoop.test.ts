import { describe, expect, it } from 'vitest';
import { Tape } from '../engine/tape';
import { cpu } from '../engine/testing/backends';
import { checkMethodGradients } from './check/method-gradients';
import { CONTEXT, coop } from './coop';
import { kgcoop } from './kgcoop';
import { learnable } from './learnables';
import type { PromptMethod } from './method';
import { methodFixture, smallestReferenceRow, tinyClip, withReferenceRowScaled } from './testing';

const ROW_TOLERANCE = 1e-4;

/** The classifier's penalty and its logits on `features`, read back. */
async function penaltyAndLogits(method: PromptMethod, features: Float32Array, width: number) {
  const tape = new Tape(cpu, false);
  try {
    const classifier = method.classifier(tape);
    const images = tape.track(cpu.tensor([features.length / width, width], features));
    const logits = await classifier.logits(tape, images).read();
    const penalty = classifier.penalty ? (await classifier.penalty.read())[0] : undefined;
    return { penalty, logits };
  } finally {
    tape.dispose();
  }
}

describe('KgCoOp', () => {
  it('matches the PyTorch reference written from the paper, every gradient row within 1e-4', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const report = await checkMethodGradients(methodFixture('kgcoop'), model, tokenizer, 'kgcoop');
    expect(report.mismatches).toEqual([]);
    expect(report.strayGradients).toBe(0);
    expect(report.rowTolerance).toBe(ROW_TOLERANCE);
    expect(report.gradients.map((g) => g.name)).toEqual([CONTEXT]);
    for (const g of report.gradients) expect(g.rowError, g.name).toBeLessThan(ROW_TOLERANCE);
    expect(report.lossError).toBeLessThan(ROW_TOLERANCE);
    expect(report.passed).toBe(true);
  });

  it('fails when the smallest reference row is 1 % off', async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const fixture = methodFixture('kgcoop');
    const row = smallestReferenceRow(fixture, CONTEXT);
    const wrong = withReferenceRowScaled(fixture, CONTEXT, row, 1.01);
    const report = await checkMethodGradients(wrong, model, tokenizer, `kgcoop, ctx[${row}] × 1.01`);
    expect(report.gradients[0]?.worstRow).toBe(row);
    expect(report.passed).toBe(false);
  });

  it("has λ = 8, CoOp's logits, a penalty linear in λ, and none at its hand-crafted initialisation", async () => {
    const { model, tokenizer } = await tinyClip(cpu);
    const classNames = ['circle', 'square', 'triangle'];
    const context = { model, tokenizer, classNames, seed: 5 };
    const width = model.config.projectionDim;
    const features = Float32Array.from({ length: 2 * width }, (_, i) => Math.sin(i * 0.37));
    const fixed = kgcoop.create(context);
    const reference = coop.create(context, { n_ctx: 4 });
    const methods = [fixed, reference];
    try {
      expect(fixed.hyperparameters.lambda).toBe(8);
      // "a photo of a" + class + "." is the hand-crafted prompt: the learnt features start on CLIP's.
      const start = await penaltyAndLogits(fixed, features, width);
      expect(start.penalty).toBeLessThan(1e-10);
      expect(start.logits).toEqual((await penaltyAndLogits(reference, features, width)).logits);
      // Away from it, the penalty is λ times one quantity.
      const ctx = await learnable(fixed.learnables, CONTEXT).read();
      const moved = ctx.map((v, i) => v + 0.05 * Math.cos(i));
      const penalties: number[] = [];
      for (const lambda of [8, 16, 0]) {
        const method = kgcoop.create(context, { lambda });
        methods.push(method);
        cpu.write(learnable(method.learnables, CONTEXT), moved);
        penalties.push((await penaltyAndLogits(method, features, width)).penalty as number);
      }
      const [eight, sixteen, zero] = penalties as [number, number, number];
      expect(eight).toBeGreaterThan(1e-4);
      expect(sixteen / eight).toBeCloseTo(2, 5);
      expect(zero).toBe(0);
    } finally {
      for (const m of methods) m.dispose();
    }
  });
});
