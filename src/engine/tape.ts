import type { Backend } from './backend';
import { addInPlace, copyTensor } from './scaled-copy';
import type { Tensor } from './tensor';

/**
 * Pushes the gradient of one op's output back to its inputs. `needs[i]` says whether input i wants a
 * gradient, so frozen weights never get one computed. Returns one entry per input (null where not needed).
 */
export type BackwardFn = (gradOutput: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

interface TapeNode {
  readonly output: Tensor;
  readonly inputs: readonly (Tensor | null)[];
  readonly backward: BackwardFn;
  /** Tensors only this node's backward reads (layer-norm statistics, softmax probabilities). */
  readonly scratch: readonly Tensor[];
}

/**
 * A small autodiff tape over backend tensors. Forward ops run eagerly; while recording, an op whose
 * inputs need gradients appends a node holding what its backward reads. `backward()` walks the nodes in
 * reverse, accumulates gradients only where they are needed and frees activations as it unwinds.
 */
export class Tape {
  private readonly nodes: TapeNode[] = [];
  /** Tensors this tape created; they are freed by backward, `release` or `dispose`. */
  private readonly owned = new Set<Tensor>();
  /** Owned tensors some node's backward will read: `release` must leave them alone. */
  private readonly saved = new Set<Tensor>();
  /** Gradients of tensors that requested them but were not produced here (leaves). */
  private readonly leafGrads = new Map<Tensor, Tensor>();

  constructor(
    readonly backend: Backend,
    private recording = true,
  ) {}

  get isRecording(): boolean {
    return this.recording;
  }

  /** Takes ownership of a freshly computed tensor. */
  track<T extends Tensor>(t: T): T {
    this.owned.add(t);
    return t;
  }

  /**
   * Records an op. `saved` are inputs/outputs its backward reads; `scratch` are tensors only it reads and
   * that can be freed right after it ran. Outside recording, or when no input needs a gradient, the
   * scratch is freed at once and nothing is kept.
   */
  record(
    output: Tensor,
    inputs: readonly (Tensor | null | undefined)[],
    backward: BackwardFn,
    options: { saved?: readonly Tensor[]; scratch?: readonly Tensor[] } = {},
  ): Tensor {
    const normalized = inputs.map((t) => t ?? null);
    const needsGrad = this.recording && normalized.some((t) => t?.requiresGrad);
    if (!needsGrad) {
      for (const t of options.scratch ?? []) t.free();
      return output;
    }
    output.requiresGrad = true;
    for (const t of options.saved ?? []) if (this.owned.has(t)) this.saved.add(t);
    this.nodes.push({ output, inputs: normalized, backward, scratch: options.scratch ?? [] });
    return output;
  }

  /** Frees an intermediate early if no backward will read it; a no-op otherwise. */
  release(t: Tensor): void {
    if (this.owned.has(t) && !this.saved.has(t)) {
      this.owned.delete(t);
      t.free();
    }
  }

  /** Runs `fn` without recording: frozen-encoder features, evaluation. */
  noGrad<T>(fn: () => T): T {
    const was = this.recording;
    this.recording = false;
    try {
      return fn();
    } finally {
      this.recording = was;
    }
  }

  /**
   * Gradients of `output` (seeded with `gradOutput`, or 1 for a scalar) with respect to every leaf
   * tensor that requires one. The caller owns the returned gradients.
   */
  backward(output: Tensor, gradOutput?: Tensor): Map<Tensor, Tensor> {
    const be = this.backend;
    const grads = new Map<Tensor, Tensor>();
    const seed = gradOutput ?? this.track(be.tensor(output.shape, new Float32Array(output.size).fill(1)));
    grads.set(output, seed);
    const produced = new Set(this.nodes.map((n) => n.output));

    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i] as TapeNode;
      const g = grads.get(node.output);
      if (g) {
        grads.delete(node.output);
        const needs = node.inputs.map((t) => t?.requiresGrad ?? false);
        const inputGrads = node.backward(g, needs);
        // A backward may hand the incoming gradient straight through (residual add): the first taker
        // gets it, later takers a copy, so in-place accumulation never aliases two gradients.
        const handedOut = new Set<Tensor>();
        node.inputs.forEach((input, k) => {
          let gi = inputGrads[k];
          if (!gi) return;
          if (!input || !needs[k]) {
            if (gi !== g && !handedOut.has(gi)) gi.free();
            return;
          }
          if (handedOut.has(gi) || gi === gradOutput) gi = copyTensor(be, gi);
          handedOut.add(gi);
          if (produced.has(input)) this.accumulate(grads, input, gi);
          else this.accumulateLeaf(input, gi);
        });
        if (g !== gradOutput && !handedOut.has(g)) g.free();
      }
      for (const t of node.scratch) t.free();
      if (this.owned.has(node.output)) {
        this.owned.delete(node.output);
        this.saved.delete(node.output);
        node.output.free();
      }
    }
    this.nodes.length = 0;
    const result = new Map(this.leafGrads);
    this.leafGrads.clear();
    return result;
  }

  /** Adds a gradient for a leaf computed elsewhere (a checkpointed segment's parameters). */
  accumulateLeaf(leaf: Tensor, grad: Tensor): void {
    this.owned.delete(grad);
    const existing = this.leafGrads.get(leaf);
    if (!existing) {
      this.leafGrads.set(leaf, grad);
      return;
    }
    this.leafGrads.set(leaf, addInto(this.backend, existing, grad));
  }

  /** Frees everything this tape still owns except `keep`. */
  dispose(keep: readonly Tensor[] = []): void {
    const kept = new Set(keep);
    for (const t of this.owned) if (!kept.has(t)) t.free();
    this.owned.clear();
    this.saved.clear();
    this.nodes.length = 0;
    for (const g of this.leafGrads.values()) g.free();
    this.leafGrads.clear();
  }

  /** Hands a tensor over to the caller: the tape will no longer free it. */
  detach(t: Tensor): Tensor {
    this.owned.delete(t);
    this.saved.delete(t);
    return t;
  }

  private accumulate(grads: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
    const existing = grads.get(t);
    grads.set(t, existing ? addInto(this.backend, existing, g) : g);
  }
}

/** `a += b`, freeing `b`: gradient accumulation is the only in-place update the tape performs. */
function addInto(backend: Backend, a: Tensor, b: Tensor): Tensor {
  addInPlace(backend, a, b);
  b.free();
  return a;
}
