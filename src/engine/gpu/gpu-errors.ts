/** No WebGPU here: no `navigator.gpu`, no adapter, or the device request was refused. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** The device went away (driver reset, tab backgrounded too long, `destroy()`); work must restart. */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`GPU device lost (${reason}): ${message}`);
  }
}

/** WebGPU rejected a call (bad shader, binding or size): a bug in a kernel or its dispatch. */
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

/** An allocation failed or went past the adapter's limits. */
export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}
