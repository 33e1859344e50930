import type { ClipModel } from '../clip/clip-model';
import type { HostTensor } from '../clip/clip-weights';
import type { ClipTokenizer } from '../clip/tokenizer';
import type { Tape } from '../engine/tape';
import type { Tensor } from '../engine/tensor';
import type { MethodEntry } from './catalog';

export type MethodId =
  | 'zero-shot'
  | 'linear-probe'
  | 'coop'
  | 'vpt-shallow'
  | 'vpt-deep'
  | 'upt'
  | 'mudpt'
  | 'softcpt'
  | 'cocoop'
  | 'kgcoop';

/**
 * What a method consumes per image. `image-features`: the frozen image tower's embedding, computed once
 * and cached by the trainer (zero-shot, linear probe, CoOp). `pixels`: preprocessed pixel_values, because
 * the method changes the image tower and it must run every step (VPT, UPT, MuDPT).
 */
export type MethodInput = 'image-features' | 'pixels';

export type HyperValue = number | string | boolean;
export type Hyperparameters = Readonly<Record<string, HyperValue>>;

/** One task of a multitask run: its name and its own class list. */
export interface MethodTask {
  name: string;
  classes: readonly string[];
}

/** Everything a method is built from; the model is frozen and shared by every method of a session. */
export interface MethodContext {
  model: ClipModel;
  tokenizer: ClipTokenizer;
  classNames: readonly string[];
  /** Seeds the learnable tensors' initialisation. */
  seed: number;
  /**
   * A multitask run's tasks, in order; classNames is then their class lists concatenated, task t's classes
   * one contiguous range (see method-tasks.ts). Methods that share all they learn across tasks ignore it;
   * SoftCPT builds each task's context from its name.
   */
  tasks?: readonly MethodTask[];
}

/**
 * The image-independent half of a forward pass, computed once per training step or once per evaluation:
 * class text features (CoOp recomputes them from its context every step; VPT caches the frozen ones) and,
 * for UPT/MuDPT, the prompts after their shared block. `logits` then classifies any number of image batches.
 */
export interface Classifier {
  /** images: features [B, D] or pixels [B, 3, S, S] (see MethodInput) → logits [B, classes]. */
  logits(tape: Tape, images: Tensor): Tensor;
  /**
   * A term [1] the training loss adds to the batch's mean cross-entropy (KgCoOp's knowledge-guided
   * penalty); it does not depend on the images. Most methods have none.
   */
  readonly penalty?: Tensor;
}

/** One prompt-tuning method bound to a model and a class list. */
export interface PromptMethod {
  readonly id: MethodId;
  readonly input: MethodInput;
  /** Learnable tensors under the reference implementations' names (`prompt_learner.ctx`, …). */
  readonly learnables: ReadonlyMap<string, Tensor>;
  readonly hyperparameters: Hyperparameters;
  classifier(tape: Tape): Classifier;
  /**
   * The learnt text contexts that sit among the word embeddings, as the text tower reads them ([SOS]
   * [context][class][.][EOT]), for their nearest words (prompts/text-contexts.ts). Methods that learn no
   * such context leave it out.
   */
  textContexts?(tape: Tape): Promise<TextContext[]>;
  /**
   * A method defined over several tasks (the catalog's `requiresTasks`): task `task`'s prompt as a
   * single-task method's prompt set holds it, from the current learnables, so that it predicts on that
   * task's classes alone.
   */
  singleTaskPrompt?(tape: Tape, task: number): Promise<SingleTaskPrompt>;
  /** Frees the learnable tensors and any cache. */
  dispose(): void;
}

/** A learnt text context: which one it is ("shared by every class", "of class “circle”") and its vectors. */
export interface TextContext {
  title: string;
  /** Context tokens × text width, row-major. */
  vectors: Float32Array;
  tokens: number;
}

/** What a single-task prompt set of another method holds: that method, its settings and its tensors. */
export interface SingleTaskPrompt {
  method: MethodId;
  hyperparameters: Hyperparameters;
  tensors: Readonly<Record<string, HostTensor>>;
}

/** How a method is trained by default: the paper's recipe (see each method's file for the source). */
export interface TrainingDefaults {
  optimizer: 'sgd' | 'adamw';
  learningRate: number;
  epochs: number;
  batchSize: number;
  weightDecay: number;
  /** SGD only. */
  momentum: number;
  /** Epochs at the constant warm-up rate before the cosine schedule (CoOp: 1 epoch at 1e-5). */
  warmupEpochs: number;
  warmupLearningRate: number;
}

/** A method's implementation, as the registry lists it: its catalog entry (catalog.ts) and how to build it. */
export interface MethodDefinition extends MethodEntry {
  create(context: MethodContext, hyperparameters?: Hyperparameters): PromptMethod;
}
