import type { MemoryStats } from '../backend';
import { type Shape, sizeOf, Tensor } from '../tensor';
import { BufferPool } from './buffer-pool';
import { GpuDeviceLostError, GpuUnavailableError, GpuValidationError } from './gpu-errors';
import { PipelineCache, type WgslConstants, type WgslKernel } from './pipeline-cache';

/** The adapter limits kernels and allocations are sized against. */
export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Submitting in batches amortises the per-submit cost without letting the queue run dry. */
const DISPATCHES_PER_SUBMIT = 256;

/** A binding is a tensor's buffer, or a raw buffer (small parameter blocks). */
export type Binding = Tensor | GPUBuffer;

/**
 * WebGPU tensors. Kernels are recorded into one command encoder and submitted in batches; reads and
 * uploads flush first, so a buffer recycled by the pool is never overwritten before earlier work reads it.
 */
export class GpuBackend {
  readonly kind = 'webgpu' as const;
  readonly name: string;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private lost: GpuDeviceLostError | null = null;
  private validationError: GpuValidationError | null = null;
  dispatchCount = 0;

  private constructor(
    readonly device: GPUDevice,
    readonly limits: GpuLimits,
    readonly adapter: GpuAdapterSummary,
  ) {
    this.name = `webgpu (${adapter.description || adapter.device || adapter.vendor || 'unknown adapter'})`;
    this.pool = new BufferPool(device, limits.maxBufferSize);
    this.pipelines = new PipelineCache(device);
    device.lost.then((info) => {
      this.lost = new GpuDeviceLostError(info.reason, info.message);
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.validationError ??= new GpuValidationError(error.message);
    });
  }

  /** Opens the adapter with its own limits rather than WebGPU's conservative defaults. */
  static async create(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<GpuBackend> {
    if (!gpu) throw new GpuUnavailableError('WebGPU is not available here (no navigator.gpu)');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new GpuUnavailableError('WebGPU found no adapter');
    const want = adapter.limits;
    const requiredLimits: Record<string, number> = {
      maxBufferSize: want.maxBufferSize,
      maxStorageBufferBindingSize: want.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: want.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: want.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: want.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: want.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: want.maxStorageBuffersPerShaderStage,
    };
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits });
    } catch (error) {
      throw new GpuUnavailableError(`WebGPU refused a device: ${(error as Error).message}`);
    }
    const info = adapter.info;
    const summary: GpuAdapterSummary = {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      isFallbackAdapter: (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? false,
    };
    const limits: GpuLimits = {
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    };
    return new GpuBackend(device, limits, summary);
  }

  tensor(
    shape: Shape,
    data?: ArrayLike<number>,
    options: { requiresGrad?: boolean; name?: string } = {},
  ): Tensor {
    const t = this.empty(shape, options);
    if (data) this.write(t, data);
    else this.fillZero(t);
    return t;
  }

  empty(shape: Shape, options: { requiresGrad?: boolean; name?: string } = {}): Tensor {
    this.throwIfBroken();
    const buffer = this.pool.acquire(sizeOf(shape) * 4);
    return new Tensor(this, shape, buffer, options);
  }

  zeros(shape: Shape): Tensor {
    return this.tensor(shape);
  }

  buffer(t: Tensor): GPUBuffer {
    if (!(t.storage instanceof GPUBuffer)) throw new Error('gpu backend: tensor is not on the GPU');
    if (t.freed) throw new Error(`gpu backend: tensor ${t.id} used after free`);
    return t.storage;
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) throw new Error(`write: ${data.length} values for a tensor of ${t.size}`);
    // Pending kernels may still read a recycled buffer: they must be queued before this write.
    this.flush();
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(this.buffer(t), 0, values.buffer, values.byteOffset, values.byteLength);
  }

  async read(t: Tensor): Promise<Float32Array> {
    const source = this.buffer(t);
    const bytes = t.size * 4;
    const staging = this.device.createBuffer({
      size: Math.max(4, Math.ceil(bytes / 4) * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(source, 0, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (error) {
      this.throwIfBroken();
      throw error;
    }
    const result = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    staging.destroy();
    this.throwIfBroken();
    return result;
  }

  release(t: Tensor): void {
    if (t.storage instanceof GPUBuffer) this.pool.release(t.storage);
  }

  /** Records one kernel dispatch; nothing runs until the batch is submitted. */
  dispatch(
    kernel: WgslKernel,
    constants: WgslConstants,
    bindings: readonly Binding[],
    workgroups: readonly [number, number?, number?],
  ): void {
    this.throwIfBroken();
    const pipeline = this.pipelines.get(kernel, constants);
    const entries = bindings.map((b, binding) => ({
      binding,
      resource: { buffer: b instanceof Tensor ? this.buffer(b) : b },
    }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y = 1, z = 1] = workgroups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`${kernel.label}: dispatch [${x}, ${y}, ${z}] exceeds ${max} workgroups per dimension`);
    }
    if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
    if (++this.pending >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  /** Copies `bytes` between buffers in stream order with the kernels around it. */
  copy(
    source: Tensor,
    sourceOffsetElements: number,
    target: Tensor,
    targetOffsetElements: number,
    elements: number,
  ) {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(
      this.buffer(source),
      sourceOffsetElements * 4,
      this.buffer(target),
      targetOffsetElements * 4,
      elements * 4,
    );
  }

  fillZero(t: Tensor): void {
    this.endPass();
    this.commandEncoder().clearBuffer(this.buffer(t), 0, Math.ceil((t.size * 4) / 4) * 4);
  }

  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.pending = 0;
    }
  }

  /** Waits until the GPU has finished everything submitted: for timings, never needed for correctness. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfBroken();
  }

  memory(): MemoryStats {
    return this.pool.stats();
  }

  resetPeak(): void {
    this.pool.resetPeak();
  }

  destroy(): void {
    this.flush();
    this.pool.trim();
    this.device.destroy();
  }

  private throwIfBroken(): void {
    if (this.lost) throw this.lost;
    if (this.validationError) {
      const error = this.validationError;
      this.validationError = null;
      throw error;
    }
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}

/** Workgroups for a 1-D kernel over `n` items, folded into y when x would pass the 65535 limit. */
export function grid1d(n: number, workgroupSize: number): [number, number] {
  const groups = Math.ceil(n / workgroupSize);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
