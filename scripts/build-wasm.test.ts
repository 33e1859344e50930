// The committed WebAssembly kernels are what their C sources build to, so no one ships a stale module.
import { describe, expect, it } from 'vitest';
import { staleModules, toolchainPresent } from './build-wasm.mjs';

describe('the engine’s WebAssembly kernels', () => {
  it('equal what npm run build:wasm builds from src/engine/wasm/kernels/*.c', () => {
    expect(toolchainPresent(), 'clang-19 and lld-19 (npm run setup -- --wasm)').toBe(true);
    expect(staleModules()).toEqual([]);
  }, 60_000);
});
