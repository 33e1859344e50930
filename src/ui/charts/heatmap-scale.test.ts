import { interpolateViridis } from 'd3';
import { describe, expect, it } from 'vitest';
import { cellDescription, colourDomain, colourScale, heatmapCells, textColourOn } from './heatmap-scale';

const matrix = {
  tasks: ['a', 'b'],
  accuracy: [
    [0.5, 0.2],
    [0.25, null],
  ],
};

describe('heatmap scale', () => {
  it('lists every cell row by row with its raw and per-target normalised value', () => {
    expect(heatmapCells(matrix)).toEqual([
      { s: 0, t: 0, source: 'a', target: 'a', raw: 0.5, normalised: 1 },
      { s: 0, t: 1, source: 'a', target: 'b', raw: 0.2, normalised: 1 },
      { s: 1, t: 0, source: 'b', target: 'a', raw: 0.25, normalised: 0.5 },
      { s: 1, t: 1, source: 'b', target: 'b', raw: null, normalised: null },
    ]);
  });

  it('spreads the colours from the smallest normalised value (down to a tenth) to 1', () => {
    expect(colourDomain(heatmapCells(matrix))).toEqual([0.5, 1]);
    const close = heatmapCells({
      tasks: ['a', 'b'],
      accuracy: [
        [0.96, 0.9],
        [1, 0.95],
      ],
    });
    expect(colourDomain(close)).toEqual([0.9, 1]);
    const equal = heatmapCells({
      tasks: ['a', 'b'],
      accuracy: [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    });
    expect(colourDomain(equal), 'never an empty domain').toEqual([0.9, 1]);
    expect(colourDomain(heatmapCells({ tasks: ['a'], accuracy: [[null]] }))).toEqual([0, 1]);
  });

  it('maps the domain onto the whole sequential ramp and clamps outside it', () => {
    const scale = colourScale([0.5, 1]);
    expect(scale(0.5)).toBe(interpolateViridis(0));
    expect(scale(1)).toBe(interpolateViridis(1));
    expect(scale(0.2)).toBe(interpolateViridis(0));
  });

  it('writes white on dark fills and black on light ones', () => {
    expect(textColourOn(interpolateViridis(0))).toBe('#ffffff');
    expect(textColourOn(interpolateViridis(1))).toBe('#000000');
    expect(textColourOn('#ffffff')).toBe('#000000');
    expect(textColourOn('#000000')).toBe('#ffffff');
  });

  it('describes a cell with both values, or says it is not measured', () => {
    const [first, , third, last] = heatmapCells(matrix);
    expect(first && cellDescription(first)).toBe('a prompt on a: 50.0% top-1, 1.00 of the best source on a');
    expect(third && cellDescription(third)).toBe('b prompt on a: 25.0% top-1, 0.50 of the best source on a');
    expect(last && cellDescription(last)).toBe('b prompt on b: not measured yet');
  });
});
