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

  it('lets a prompt transfer only when something is learnt, not per class, not over several tasks', () => {
    for (const entry of METHOD_CATALOG.filter((e) => e.transferable)) {
      expect(entry.training, entry.id).not.toBeNull();
      expect(entry.requiresTasks ?? false, entry.id).toBe(false);
      expect(entry.id).not.toBe('linear-probe');
    }
  });

  it('gives every method its own chart colour', () => {
    const orders = METHOD_CATALOG.map((e) => e.chartOrder);
    expect(new Set(orders).size).toBe(orders.length);
  });
});
