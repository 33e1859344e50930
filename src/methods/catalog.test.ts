import { describe, expect, it } from 'vitest';
import { METHOD_CATALOG, methodEntry } from './catalog';
import { methodDefinitions } from './registry';

describe('the method catalog', () => {
  it('has one entry per implementation, and each implementation carries its entry', () => {
    expect(METHOD_CATALOG.map((e) => e.id).sort()).toEqual(Object.keys(methodDefinitions).sort());
    for (const definition of Object.values(methodDefinitions)) {
      const entry = methodEntry(definition.id);
      expect(definition.title).toBe(entry.title);
      expect(definition.defaults).toBe(entry.defaults);
      expect(definition.training).toBe(entry.training);
      expect(definition.input).toBe(entry.input);
    }
  });

  it('says a prompt transfers when something is learnt, not per class, not over several tasks', () => {
    for (const entry of METHOD_CATALOG) {
      const expected = entry.training !== null && !entry.requiresTasks && entry.id !== 'linear-probe';
      expect(entry.transferable, entry.id).toBe(expected);
    }
  });

  it('gives every method its own chart colour', () => {
    const orders = METHOD_CATALOG.map((e) => e.chartOrder);
    expect(new Set(orders).size).toBe(orders.length);
  });
});
