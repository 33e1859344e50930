import type { RgbaImage } from '../clip/preprocess';

/** One labelled image. `id` names it stably (a path, a file name): cached features are keyed by it. */
export interface LabelledExample {
  id: string;
  image: RgbaImage;
  label: number;
}

/** An image to classify, named as above. */
export type InputImage = Pick<LabelledExample, 'id' | 'image'>;

/** A classification task as the trainer sees it, decoded: the same in the browser and in Node. */
export interface TaskData {
  name: string;
  classes: readonly string[];
  /** The pool few-shot training sets are sampled from. */
  train: readonly LabelledExample[];
  test: readonly LabelledExample[];
}
