import { describe, expect, it } from 'vitest';
import { autoBackendKind } from '../engine/open-backend';
import { parseArgs } from './args';
import { backendChoice } from './backend-choice';

describe('the benchmarks’ backend choice', () => {
  it('takes WebGPU on a hardware adapter, WebAssembly on a fallback adapter or without WebGPU', () => {
    expect(autoBackendKind({ isFallbackAdapter: false })).toBe('webgpu');
    expect(autoBackendKind({ isFallbackAdapter: true })).toBe('wasm');
    expect(autoBackendKind(null)).toBe('wasm');
  });

  it('reads --backend, with --cpu as a shorthand and the command’s default otherwise', () => {
    expect(backendChoice(parseArgs([]), 'auto')).toBe('auto');
    expect(backendChoice(parseArgs(['--backend', 'webgpu']), 'auto')).toBe('webgpu');
    expect(backendChoice(parseArgs(['--backend', 'wasm']), 'auto')).toBe('wasm');
    expect(backendChoice(parseArgs(['--cpu']), 'webgpu')).toBe('cpu');
    expect(() => backendChoice(parseArgs(['--backend', 'tpu']), 'auto')).toThrow(/--backend/);
  });
});
