import { Tape } from './tape';
import { shapeString, type Tensor } from './tensor';

export type Segment = (tape: Tape, inputs: readonly Tensor[]) => Tensor;

/**
 * Gradient checkpointing: the segment `fn` keeps none of its activations on the outer tape. Forward runs
 * it on a non-recording tape and keeps only the output; backward runs it again, recording, over aliases of
 * the inputs and back-propagates through that copy. Memory drops from every intermediate of the segment to
 * its inputs and output, for the price of a second forward.
 *
 * Every tensor that requires a gradient and is read inside `fn` must be among `inputs`: the outer tape
 * sees only them, so a gradient reaching anything else is an error rather than silently lost. `fn` must
 * compute the same thing both times (no sampling).
 */
export function checkpoint(tape: Tape, inputs: readonly Tensor[], fn: Segment): Tensor {
  if (!tape.isRecording) return fn(tape, inputs);
  const forwardTape = new Tape(tape.backend, false);
  let output: Tensor;
  try {
    output = forwardTape.detach(fn(forwardTape, inputs));
  } finally {
    forwardTape.dispose();
  }
  return tape.record(tape.track(output), inputs, (dy, needs) => recompute(tape, inputs, fn, dy, needs), {
    saved: inputs,
  });
}

/** The segment's input gradients, from a second, recorded forward over fresh leaves. */
function recompute(
  outer: Tape,
  inputs: readonly Tensor[],
  fn: Segment,
  dy: Tensor,
  needs: readonly boolean[],
): (Tensor | null)[] {
  const inner = new Tape(outer.backend);
  const leaves = inputs.map((input, i) => input.alias(needs[i] ?? false));
  try {
    const grads = inner.backward(fn(inner, leaves), dy);
    const strays = [...grads.keys()].filter((t) => !leaves.includes(t));
    if (strays.length > 0) {
      for (const g of grads.values()) g.free();
      const names = strays.map((t) => `${t.name ?? `tensor ${t.id}`} ${shapeString(t.shape)}`).join(', ');
      throw new Error(
        `checkpoint: the segment reads ${names}, which requires a gradient but is not among its inputs`,
      );
    }
    return leaves.map((leaf) => grads.get(leaf) ?? null);
  } finally {
    inner.dispose();
  }
}
