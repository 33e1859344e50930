/**
 * A prompt set at work: its method rebuilt (prompt-set-method.ts), classifying new images (top-k with
 * probabilities) or a labelled test set.
 */
import { type Matrix, rankClasses } from '../clip/zero-shot';
import type { PromptMethod } from '../methods/method';
import { type EvaluationReport, evaluationReport, methodLogits } from '../train/evaluate';
import type { FeatureCache } from '../train/feature-cache';
import type { FrozenClip } from '../train/frozen-clip';
import type { InputSource } from '../train/inputs';
import { methodInputs } from '../train/method-inputs';
import type { InputImage, LabelledExample } from '../train/task-data';
import type { PromptSet } from './prompt-set';
import { promptSetMethod } from './prompt-set-method';

export interface ClassScore {
  label: number;
  className: string;
  probability: number;
  logit: number;
}

export interface Prediction {
  id: string;
  /** The k most probable classes, most probable first. */
  top: ClassScore[];
}

export class PromptSetPredictor {
  private constructor(
    private readonly clip: FrozenClip,
    readonly set: PromptSet,
    private readonly method: PromptMethod,
    private readonly inputs: InputSource,
    private readonly cache: FeatureCache | null,
  ) {}

  /** Builds the set's method on `clip`; the set should have passed parsePromptSet with this model. */
  static create(set: PromptSet, clip: FrozenClip, featureCache?: FeatureCache): PromptSetPredictor {
    const method = promptSetMethod(set, clip);
    const { inputs, cache } = methodInputs(clip, method.input, featureCache, false);
    return new PromptSetPredictor(clip, set, method, inputs, cache);
  }

  async logits(images: readonly InputImage[]): Promise<Matrix> {
    if (this.cache) await this.cache.add(images);
    return methodLogits(this.clip.model.backend, this.method, this.inputs, images);
  }

  async predict(images: readonly InputImage[], k = 3): Promise<Prediction[]> {
    const logits = await this.logits(images);
    const { classes } = this.set.task;
    const ranked = rankClasses(logits, Math.min(k, classes.length));
    return images.map((image, i) => ({
      id: image.id,
      top: (ranked[i] ?? []).map((c) => ({ ...c, className: classes[c.label] as string })),
    }));
  }

  async evaluate(examples: readonly LabelledExample[]): Promise<EvaluationReport> {
    return evaluationReport(
      await this.logits(examples),
      examples.map((e) => e.label),
    );
  }

  dispose(): void {
    this.method.dispose();
  }
}
