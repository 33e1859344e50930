/**
 * Every method the studio offers, as plain data: what the page shows (title, summary), the paper's defaults
 * and training recipe, how the Train panel offers it, whether its prompt transfers, its place in the charts.
 * The page reads only this (so its bundle holds no engine); the implementations (`create`, in one file per
 * method, listed in registry.ts) are read by the worker, the CLI and prompts/. Adding a method: its file in
 * src/methods/ and its entry here.
 */
import { DEFAULT_TEMPLATE } from '../clip/zero-shot';
import type { Hyperparameters, MethodId, MethodInput, TrainingDefaults } from './method';

/** How a run trains: one task, several tasks at once (SoftCPT), or MVLPT's source-then-target stages. */
export type RunKind = 'single' | 'multitask' | 'mvlpt';

export interface MethodEntry {
  readonly id: MethodId;
  readonly title: string;
  /** One line on what trains and where it enters the encoders. */
  readonly summary: string;
  readonly input: MethodInput;
  /** The paper's defaults; `create` fills anything missing from here. */
  readonly defaults: Hyperparameters;
  /** The paper's training recipe; null for methods with nothing to train (zero-shot). */
  readonly training: TrainingDefaults | null;
  /** The method is defined over several tasks (SoftCPT): `create` needs the context's `tasks`. */
  readonly requiresTasks?: boolean;
  /**
   * Whether one task's learnt prompt applies to another task's classes (the transferability matrix, MVLPT's
   * stage 2): not zero-shot (nothing learnt), not the linear probe (its weights are per class), not SoftCPT
   * (trained over several tasks at once).
   */
  readonly transferable: boolean;
  /**
   * Whether what it learns applies to class names it never trained on, which the base-to-novel protocol
   * tests (train/base-to-novel.ts): everything but the linear probe, whose weights are one row per class.
   */
  readonly scoresUnseenClasses: boolean;
  /** How the Train panel offers it, in this order after every method's first: alone, multitask, MVLPT. */
  readonly variants: readonly RunKind[];
  /** Its colour in the charts: the index into the chart palette. */
  readonly chartOrder: number;
}

/**
 * Epochs by shots per class, as CoOp's COOP.md runs them: `*_ep50` configs for 1 shot, `*_ep100` for 2
 * and 4, the 200-epoch configs for 8 and 16.
 */
export function coopEpochs(shotsPerClass: number): number {
  return shotsPerClass <= 1 ? 50 : shotsPerClass <= 4 ? 100 : 200;
}

/**
 * configs/trainers/CoOp/vit_b32.yaml (and every CoOp config): SGD, lr 0.002, batch 32, cosine schedule
 * after 1 epoch at a constant 1e-5; momentum 0.9 and weight decay 5e-4 are Dassl's OPTIM defaults. 200
 * epochs is the 16-shot setting, which the task packs' 16 training images per class give (see coopEpochs).
 */
export const COOP_TRAINING: TrainingDefaults = {
  optimizer: 'sgd',
  learningRate: 0.002,
  epochs: coopEpochs(16),
  batchSize: 32,
  weightDecay: 5e-4,
  momentum: 0.9,
  warmupEpochs: 1,
  warmupLearningRate: 1e-5,
};

/**
 * MVLPT's training recipe for VPT (§4 "Training Details": batch 32, 200 epochs, lr 2e-3, 1 warm-up epoch,
 * cosine; configs/trainers/MVLPT/*.yaml: SGD, warm-up at a constant 1e-5; the text says Adam, the released
 * configs SGD, which we follow), with Dassl's default momentum 0.9 and weight decay 5e-4.
 */
export const VPT_TRAINING: TrainingDefaults = {
  optimizer: 'sgd',
  learningRate: 0.002,
  epochs: 200,
  batchSize: 32,
  weightDecay: 5e-4,
  momentum: 0.9,
  warmupEpochs: 1,
  warmupLearningRate: 1e-5,
};

const VPT_DEFAULTS: Hyperparameters = {
  // MVLPT §4: "we use a context length of 16 for both CoOp and VPT" (following VPT).
  n_ctx: 16,
  template: 'a photo of a {}.',
};

/**
 * The authors' configs/trainers/MuDPT/vit_b16_bz4_ep10_nctx4_depth9.yaml, as the paper states it (§III-A:
 * 10 epochs, batch 4, lr 2.5e-3, SGD): cosine schedule after 1 epoch at a constant 1e-5; momentum 0.9 and
 * weight decay 5e-4 are Dassl's OPTIM defaults.
 */
const MUDPT_TRAINING: TrainingDefaults = {
  optimizer: 'sgd',
  learningRate: 0.0025,
  epochs: 10,
  batchSize: 4,
  weightDecay: 5e-4,
  momentum: 0.9,
  warmupEpochs: 1,
  warmupLearningRate: 1e-5,
};

/**
 * configs/trainers/MTCoOp/*_ep50.yaml: CoOp's recipe (SGD, lr 0.002, batch 32, 1 constant warm-up epoch
 * at 1e-5, cosine; Dassl's momentum 0.9, weight decay 5e-4) for 50 epochs.
 */
export const SOFTCPT_TRAINING: TrainingDefaults = { ...COOP_TRAINING, epochs: 50 };

/**
 * configs/trainers/CoCoOp/vit_b16_c4_ep10_batch1_ctxv1.yaml, the base-to-novel recipe at 16 shots: SGD,
 * lr 0.002, batch 1, 10 epochs, cosine after 1 epoch at a constant 1e-5; momentum 0.9 and weight decay
 * 5e-4 are Dassl's OPTIM defaults.
 */
const COCOOP_TRAINING: TrainingDefaults = {
  optimizer: 'sgd',
  learningRate: 0.002,
  epochs: 10,
  batchSize: 1,
  weightDecay: 5e-4,
  momentum: 0.9,
  warmupEpochs: 1,
  warmupLearningRate: 1e-5,
};

/**
 * configs/trainers/KgCoOp/vit_b16_ep100_ctxv1.yaml: CoOp's SGD at lr 0.002 with 1 constant warm-up epoch
 * at 1e-5 and a cosine schedule, batch 128, 100 epochs (Dassl's momentum 0.9, weight decay 5e-4).
 */
const KGCOOP_TRAINING: TrainingDefaults = { ...COOP_TRAINING, batchSize: 128, epochs: 100 };

/** In the Train panel's order. */
export const METHOD_CATALOG: readonly MethodEntry[] = [
  {
    id: 'zero-shot',
    title: 'Zero-shot CLIP',
    summary:
      'Nothing trains: class text features from hand-written templates (one per line; several are ensembled), ' +
      'cosine similarity with the frozen image features.',
    input: 'image-features',
    // CLIP's paper and CoOp's zero-shot baseline: "a photo of a {}.".
    defaults: { templates: DEFAULT_TEMPLATE },
    training: null,
    transferable: false,
    scoresUnseenClasses: true,
    variants: ['single'],
    chartOrder: 7,
  },
  {
    id: 'linear-probe',
    title: 'Linear probe',
    summary:
      'A logistic-regression head (weights and biases per class) on the frozen, L2-normalised image features; ' +
      'no text at all.',
    input: 'image-features',
    defaults: {},
    // Not a paper recipe (CLIP uses L-BFGS, see linear-probe.ts): CoOp's schedule (SGD, 200 epochs, batch 32,
    // 1 warm-up epoch, cosine) with Dassl's weight decay 5e-4 as the L2 term (scikit-learn's C = 1 / (5e-4 ·
    // N)), and a rate of 1, which a head on unit-length features needs to reach confident logits: on the
    // embedded model's five target packs at 16 shots, test accuracy rose from lr 0.002 to 1 by 4 to 17 points
    // and was flat beyond (lr 10), and beat AdamW at 1e-3 and 1e-2 on four of five.
    training: {
      optimizer: 'sgd',
      learningRate: 1,
      epochs: 200,
      batchSize: 32,
      weightDecay: 5e-4,
      momentum: 0.9,
      warmupEpochs: 1,
      warmupLearningRate: 1e-5,
    },
    transferable: false,
    scoresUnseenClasses: false,
    variants: ['single'],
    chartOrder: 0,
  },
  {
    id: 'coop',
    title: 'CoOp',
    summary:
      'Learns the context words of the class prompts ("X X X X {class}."), shared by all classes or one set per ' +
      'class; only the text side changes.',
    input: 'image-features',
    defaults: {
      // CoOp's defaults (scripts/main.sh, "M=16, end"): 16 context vectors drawn at random, shared, class
      // token at the end. n_ctx 4 starts from the words "a photo of a" instead (CoOp's CTX_INIT), i.e. from
      // the zero-shot prompt; on the embedded model's five target packs at 16 shots with this recipe, the 16
      // random vectors ended level or ahead on each (by 0 to 6 points; one seed, clean features).
      n_ctx: 16,
      csc: false,
      class_token_position: 'end',
      // Memory only, the maths is the same: classes per text-tower pass (0: all at once).
      classes_per_pass: 0,
    },
    training: COOP_TRAINING,
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single', 'mvlpt'],
    chartOrder: 1,
  },
  {
    id: 'vpt-shallow',
    title: 'VPT-shallow',
    summary:
      'Learns p prompt tokens inserted into the image tower before its first layer (after CLS); the text side ' +
      'stays the zero-shot template.',
    input: 'pixels',
    defaults: VPT_DEFAULTS,
    training: VPT_TRAINING,
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single', 'mvlpt'],
    chartOrder: 2,
  },
  {
    id: 'vpt-deep',
    title: 'VPT-deep',
    summary:
      'Learns p prompt tokens for every layer of the image tower: inserted before the first, replacing the ' +
      "previous layer's prompt outputs before each later one; the text side stays the zero-shot template.",
    input: 'pixels',
    defaults: VPT_DEFAULTS,
    training: VPT_TRAINING,
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single', 'mvlpt'],
    chartOrder: 3,
  },
  {
    id: 'upt',
    title: 'UPT',
    summary:
      'Learns a text context and deep visual prompts together, passed through one shared attention block so the ' +
      'two modalities interact, then into the text prompts and every layer of the image tower.',
    input: 'pixels',
    defaults: {
      // MVLPT §4: "a shorter context length of 4 leads to better performance for UPT" (text and visual alike).
      n_ctx: 4,
      vpt_n_ctx: 4,
      // Appendix 7.1: "a one-layer one-head Transformer block θ whose hidden dimension is cut to be 128".
      project_dim: 128,
      csc: false,
      class_token_position: 'end',
      // Memory only, the maths is the same: classes per text-tower pass (0: all at once).
      classes_per_pass: 0,
    },
    // MVLPT trains CoOp, VPT and UPT with one recipe (§4 "Training Details").
    training: VPT_TRAINING,
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single', 'mvlpt'],
    chartOrder: 4,
  },
  {
    id: 'mudpt',
    title: 'MuDPT',
    summary:
      'Learns deep text and visual prompts for every layer of both towers; an injection model lets the two ' +
      "modalities' prompts attend to each other at each depth and adds what each gathers to its own.",
    input: 'pixels',
    defaults: {
      // §III-A: "prompt length of 4 for both modalities", "prompt tuning depth of 12" (all of ViT-B/16).
      n_ctx: 4,
      prompt_depth: 12,
      // Our choice (see mudpt.ts): the width the two modalities meet at in the Injection Model.
      injection_dim: 128,
      // Memory only, the maths is the same: classes per text-tower pass (0: all at once).
      classes_per_pass: 0,
    },
    training: MUDPT_TRAINING,
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single'],
    chartOrder: 5,
  },
  {
    id: 'softcpt',
    title: 'SoftCPT',
    summary:
      "Trains several tasks together: a shared linear meta network turns each task's name, read by the text " +
      'tower with a learnt task context, into that task\'s CoOp context ("[ctx_t] {class}.").',
    input: 'image-features',
    defaults: {
      // scripts/main_mtcoop.sh as the README runs SoftCPT-NATA: N_CTX 16, TASK_N_CTX 4, TOKEN_POSITION end.
      n_ctx: 16,
      task_n_ctx: 4,
      class_token_position: 'end',
      // Memory only, the maths is the same: classes per text-tower pass (0: all of a task's at once).
      classes_per_pass: 0,
    },
    training: SOFTCPT_TRAINING,
    requiresTasks: true,
    transferable: false,
    scoresUnseenClasses: true,
    variants: ['multitask'],
    chartOrder: 6,
  },
  // Not offered in the studio yet: the CLI trains them.
  {
    id: 'cocoop',
    title: 'CoCoOp',
    summary:
      "CoOp with image-conditional prompts: a small meta network turns each image's feature into a token added " +
      'to every context vector ("X+π X+π X+π X+π {class}."); only the text side changes.',
    input: 'image-features',
    defaults: {
      // CoCoOp's ctxv1 configs: N_CTX 4 from CTX_INIT "a photo of a".
      n_ctx: 4,
      // Memory only, the maths is the same: classes per text-tower pass (0: all at once).
      classes_per_pass: 0,
    },
    training: COCOOP_TRAINING,
    // Nothing it learns is per class: its context and meta-network apply to another task's classes.
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single'],
    chartOrder: 8,
  },
  {
    id: 'kgcoop',
    title: 'KgCoOp',
    summary:
      "CoOp's learnt context words, kept near hand-crafted knowledge: a penalty on the distance between each " +
      'class\'s learnt text feature and CLIP\'s feature of "a photo of a {class}."; only the text side changes.',
    input: 'image-features',
    defaults: {
      // scripts/base2new_train.sh: NCTX 4 from "a photo of a" (CTX_INIT True), shared, class token at the
      // end, WEIGHT 8.0 (the paper's λ; see kgcoop.ts on the factor of 2).
      n_ctx: 4,
      csc: false,
      class_token_position: 'end',
      lambda: 8,
      template: DEFAULT_TEMPLATE,
      // Memory only, the maths is the same: classes per text-tower pass (0: all at once).
      classes_per_pass: 0,
    },
    training: KGCOOP_TRAINING,
    // Its context is shared by the classes; the penalty is rebuilt for the target task's hand-crafted prompts.
    transferable: true,
    scoresUnseenClasses: true,
    variants: ['single'],
    chartOrder: 9,
  },
];

/** A method's entry; ids can come from outside the type system (a saved session, a URL). */
export function methodEntry(id: MethodId): MethodEntry {
  const entry = METHOD_CATALOG.find((e) => e.id === id);
  if (!entry) throw new Error(`method '${id}' is not in the catalog`);
  return entry;
}
