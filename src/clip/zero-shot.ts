/**
 * Zero-shot classification with CLIP (Radford et al. 2021), over embeddings from any backend: class text
 * features from prompt templates, scaled cosine logits, accuracy. Pure functions over Float32Arrays.
 */

/** A row-major [rows, cols] matrix: embeddings (one per row) or logits (images x classes). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export const DEFAULT_TEMPLATE = 'a photo of a {}.';

/** Python's template.format(name) for CLIP's templates: every `{}` becomes the class name. */
export function fillTemplate(template: string, className: string): string {
  if (!template.includes('{}'))
    throw new Error(`template ${JSON.stringify(template)} has no {} for the class name`);
  return template.replaceAll('{}', className);
}

/** Templates one per line, blank lines skipped; each needs a `{}` for the class name. `from` names the text in errors. */
export function parseTemplates(text: string, from: string): string[] {
  const templates = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (templates.length === 0) throw new Error(`${from} has no templates`);
  for (const template of templates) fillTemplate(template, 'x');
  return templates;
}

/** Every template for every class, class-major: [class 0 × templates…, class 1 × templates…, …]. */
export function classPrompts(classNames: readonly string[], templates: readonly string[]): string[] {
  return classNames.flatMap((name) => templates.map((template) => fillTemplate(template, name)));
}

/** Matrices with the same columns, one under the other. */
export function stackRows(parts: readonly Matrix[]): Matrix {
  const cols = parts[0]?.cols ?? 0;
  const bad = parts.find((p) => p.cols !== cols);
  if (bad) throw new Error(`cannot stack a ${bad.cols}-column matrix under ${cols}-column ones`);
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * cols);
  let at = 0;
  for (const part of parts) {
    data.set(part.data.subarray(0, part.rows * cols), at);
    at += part.rows * cols;
  }
  return { data, rows, cols };
}

/** Each row scaled to unit length (a zero row stays zero). */
export function l2NormalizeRows(m: Matrix): Matrix {
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    let sumSquares = 0;
    for (let c = 0; c < m.cols; c++) sumSquares += (m.data[r * m.cols + c] as number) ** 2;
    const scale = sumSquares > 0 ? 1 / Math.sqrt(sumSquares) : 0;
    for (let c = 0; c < m.cols; c++) data[r * m.cols + c] = (m.data[r * m.cols + c] as number) * scale;
  }
  return { data, rows: m.rows, cols: m.cols };
}

/**
 * Class text features from the embeddings of `classPrompts` (class-major, `templates` per class): CLIP's
 * prompt ensemble normalises each prompt's embedding, averages them per class and normalises the mean. With
 * one template this is just the normalised embedding.
 */
export function classTextFeatures(promptEmbeds: Matrix, templates: number): Matrix {
  if (templates < 1 || promptEmbeds.rows % templates !== 0) {
    throw new Error(
      `${promptEmbeds.rows} prompt embeddings do not split into groups of ${templates} templates`,
    );
  }
  const unit = l2NormalizeRows(promptEmbeds);
  const classes = promptEmbeds.rows / templates;
  const { cols } = promptEmbeds;
  const mean = new Float32Array(classes * cols);
  for (let k = 0; k < classes; k++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let t = 0; t < templates; t++) sum += unit.data[(k * templates + t) * cols + c] as number;
      mean[k * cols + c] = sum / templates;
    }
  }
  return l2NormalizeRows({ data: mean, rows: classes, cols });
}

/**
 * logits[i, k] = exp(logitScaleLog) · cos(image i, class k). `classFeatures` must be unit rows
 * (classTextFeatures); image embeddings are normalised here.
 */
export function zeroShotLogits(imageEmbeds: Matrix, classFeatures: Matrix, logitScaleLog: number): Matrix {
  if (imageEmbeds.cols !== classFeatures.cols) {
    throw new Error(`image embeddings have ${imageEmbeds.cols} dims, class features ${classFeatures.cols}`);
  }
  const images = l2NormalizeRows(imageEmbeds);
  const scale = Math.exp(logitScaleLog);
  const { cols: dim } = imageEmbeds;
  const data = new Float32Array(images.rows * classFeatures.rows);
  for (let i = 0; i < images.rows; i++) {
    for (let k = 0; k < classFeatures.rows; k++) {
      let dot = 0;
      for (let c = 0; c < dim; c++) {
        dot += (images.data[i * dim + c] as number) * (classFeatures.data[k * dim + c] as number);
      }
      data[i * classFeatures.rows + k] = scale * dot;
    }
  }
  return { data, rows: images.rows, cols: classFeatures.rows };
}

/** Per row, the indices of the k largest logits, largest first (ties: the lower index first, as argmax). */
export function topK(logits: Matrix, k: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < logits.rows; r++) {
    const row = logits.data.subarray(r * logits.cols, (r + 1) * logits.cols);
    const order = Array.from(row.keys()).sort((a, b) => (row[b] as number) - (row[a] as number) || a - b);
    out.push(order.slice(0, k));
  }
  return out;
}

export interface RankedClass {
  label: number;
  logit: number;
  /** Softmax over the row. */
  probability: number;
}

/** Per row, the k most probable classes by softmax, most probable first (ties: the lower index first). */
export function rankClasses(logits: Matrix, k: number): RankedClass[][] {
  return Array.from({ length: logits.rows }, (_, r) => {
    const row = Array.from(logits.data.subarray(r * logits.cols, (r + 1) * logits.cols));
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const total = exps.reduce((s, v) => s + v, 0);
    return row
      .map((logit, label) => ({ label, logit, probability: (exps[label] as number) / total }))
      .sort((a, b) => b.logit - a.logit || a.label - b.label)
      .slice(0, k);
  });
}

export interface AccuracyReport {
  /** Fraction of images whose label is the top prediction. */
  top1: number;
  /** Fraction whose label is among the top k (k = min(5, classes), as CLIP reports top-5). */
  topK: { k: number; accuracy: number };
  /** Top-1 accuracy of each class's images; null for a class with no images. */
  perClass: (number | null)[];
  /** How many images each class has. */
  counts: number[];
}

export function accuracy(
  logits: Matrix,
  labels: readonly number[],
  k = Math.min(5, logits.cols),
): AccuracyReport {
  if (labels.length !== logits.rows)
    throw new Error(`${labels.length} labels for ${logits.rows} rows of logits`);
  const bad = labels.find((label) => !Number.isInteger(label) || label < 0 || label >= logits.cols);
  if (bad !== undefined) throw new Error(`label ${bad} is not a class index (0..${logits.cols - 1})`);
  const ranked = topK(logits, k);
  const counts = new Array<number>(logits.cols).fill(0);
  const correct = new Array<number>(logits.cols).fill(0);
  let top1 = 0;
  let inTopK = 0;
  labels.forEach((label, i) => {
    const predicted = ranked[i] as number[];
    counts[label] = (counts[label] as number) + 1;
    if (predicted[0] === label) {
      correct[label] = (correct[label] as number) + 1;
      top1++;
    }
    if (predicted.includes(label)) inTopK++;
  });
  const n = Math.max(labels.length, 1);
  return {
    top1: top1 / n,
    topK: { k, accuracy: inTopK / n },
    perClass: counts.map((count, c) => (count === 0 ? null : (correct[c] as number) / count)),
    counts,
  };
}
