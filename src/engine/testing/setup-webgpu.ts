// Vitest setup: Node has no WebGPU globals; the engine's modules read GPUBufferUsage at import time.
import { nodeWebGpu } from '../gpu/node-webgpu';

await nodeWebGpu();
