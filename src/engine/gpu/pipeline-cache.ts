/** A compile-time constant baked into a kernel's WGSL, so loops over tensor sizes have fixed bounds. */
export type WgslConstant =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean };

export const u32 = (value: number): WgslConstant => {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`u32 constant must be a natural number, got ${value}`);
  return { type: 'u32', value };
};
export const i32 = (value: number): WgslConstant => ({ type: 'i32', value });
export const f32 = (value: number): WgslConstant => {
  if (!Number.isFinite(value)) throw new Error(`f32 constant must be finite, got ${value}`);
  return { type: 'f32', value };
};
export const bool = (value: boolean): WgslConstant => ({ type: 'bool', value });

export type WgslConstants = Readonly<Record<string, WgslConstant>>;

function literal(c: WgslConstant): string {
  switch (c.type) {
    case 'u32':
      return `${c.value}u`;
    case 'i32':
      return `${c.value}i`;
    case 'f32': {
      const text = String(c.value);
      return /[.eE]/.test(text) ? `${text}f` : `${text}.0f`;
    }
    case 'bool':
      return String(c.value);
  }
}

/** The WGSL prelude declaring the constants; the kernel source refers to them by name. */
export function constantsPrelude(constants: WgslConstants): string {
  return Object.entries(constants)
    .map(([name, c]) => `const ${name}: ${c.type} = ${literal(c)};`)
    .join('\n');
}

/** A kernel is its WGSL source (one family per .wgsl file) and the entry point to run. */
export interface WgslKernel {
  readonly label: string;
  readonly source: string;
  readonly entryPoint: string;
}

/** Compiled pipelines keyed by kernel and constants: each distinct shape compiles once per session. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly modules = new Map<string, GPUShaderModule>();

  constructor(private readonly device: GPUDevice) {}

  get(kernel: WgslKernel, constants: WgslConstants): GPUComputePipeline {
    const prelude = constantsPrelude(constants);
    const key = `${kernel.label}:${kernel.entryPoint}\n${prelude}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const code = `${prelude}\n${kernel.source}`;
      let module = this.modules.get(code);
      if (!module) {
        module = this.device.createShaderModule({ label: kernel.label, code });
        this.modules.set(code, module);
      }
      pipeline = this.device.createComputePipeline({
        label: `${kernel.label}.${kernel.entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint: kernel.entryPoint },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  get size(): number {
    return this.pipelines.size;
  }
}
