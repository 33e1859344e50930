/**
 * CoOp's prompt interpretation (Zhou et al. 2022, §4.5; KaiyangZhou/CoOp `interpret_prompt.py`): a learned
 * context vector lives in the token-embedding space, so the vocabulary tokens nearest to it by Euclidean
 * distance say, roughly, which words it has become. The distances matter as much as the words: learned
 * vectors usually lie far from every real token.
 */

export interface NearestToken {
  /** Row of the token-embedding table: the token id. */
  id: number;
  distance: number;
}

/**
 * For each row of `vectors` [n, width], the `k` rows of `table` [vocab, width] nearest by Euclidean
 * distance, nearest first (ties: the lower id first). Squared differences are summed directly rather than
 * through ‖a‖² + ‖b‖² − 2a·b, which cancels badly when a context vector sits on a token.
 */
export function nearestTokens(
  table: Float32Array,
  width: number,
  vectors: Float32Array,
  k: number,
): NearestToken[][] {
  if (!Number.isInteger(width) || width < 1 || table.length % width !== 0 || vectors.length % width !== 0) {
    throw new Error(
      `nearest tokens: a table of ${table.length} and vectors of ${vectors.length} values do not split into rows of ${width}`,
    );
  }
  const vocab = table.length / width;
  const keep = Math.min(Math.max(0, Math.floor(k)), vocab);
  const rows = vectors.length / width;
  return Array.from({ length: rows }, (_, r) => {
    const vector = vectors.subarray(r * width, (r + 1) * width);
    // The k best so far, nearest first: k is a handful, so insertion beats sorting the whole vocabulary.
    const best: NearestToken[] = [];
    for (let id = 0; id < vocab && keep > 0; id++) {
      const offset = id * width;
      let squared = 0;
      for (let c = 0; c < width; c++) {
        const d = (vector[c] as number) - (table[offset + c] as number);
        squared += d * d;
      }
      if (best.length === keep && squared >= (best[keep - 1] as NearestToken).distance) continue;
      let at = best.length;
      while (at > 0 && (best[at - 1] as NearestToken).distance > squared) at--;
      best.splice(at, 0, { id, distance: squared });
      if (best.length > keep) best.pop();
    }
    return best.map(({ id, distance }) => ({ id, distance: Math.sqrt(distance) }));
  });
}
