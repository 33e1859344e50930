/** "CoOp · counting · 2-shot seed 1" → "coop-counting-2-shot-seed-1", safe as a file name everywhere. */
export function fileStem(label: string): string {
  const stem = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem || 'prompt-set';
}
