import { describe, expect, it } from 'vitest';
import { VALUE_TICKS, valueAxis } from './value-axis';

const labels = (largest: number) => {
  const { scale, label } = valueAxis(largest, [200, 0]);
  return scale.ticks(VALUE_TICKS).map(label);
};

describe('valueAxis', () => {
  it('labels small losses with the digits that tell the ticks apart', () => {
    expect(labels(0.0037)).toEqual(['0', '0.001', '0.002', '0.003', '0.004']);
    expect(labels(0.00042)).toEqual(['0', '0.0001', '0.0002', '0.0003', '0.0004', '0.0005']);
  });

  it('keeps ordinary losses short', () => {
    expect(labels(2.3)).toEqual(['0', '0.5', '1', '1.5', '2', '2.5']);
    expect(labels(90)).toEqual(['0', '20', '40', '60', '80', '100']);
  });

  it('every label is distinct at any scale', () => {
    for (const largest of [1e-7, 3e-5, 0.012, 0.7, 14, 3000]) {
      const shown = labels(largest);
      expect(new Set(shown).size, `${largest}: ${shown.join(' ')}`).toBe(shown.length);
    }
  });

  it('starts at 0 and covers the largest value; an all-zero series still has an axis', () => {
    const { scale } = valueAxis(0.0037, [200, 0]);
    expect(scale.domain()[0]).toBe(0);
    expect(scale.domain()[1]).toBeGreaterThanOrEqual(0.0037);
    expect(valueAxis(0, [200, 0]).scale.domain()).toEqual([0, 1]);
  });
});
