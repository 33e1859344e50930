/**
 * What the caller holds to steer a running training: pause, resume, cancel. The trainer asks `proceed()`
 * between steps, which also gives the event loop a turn, so a worker hears the page's messages even while
 * training on the CPU backend, where no step ever waits on the GPU.
 */
export type ControlState = 'running' | 'paused' | 'cancelled';

export class TrainingControl {
  private current: ControlState = 'running';
  private wake: (() => void) | null = null;

  get state(): ControlState {
    return this.current;
  }

  pause(): void {
    if (this.current === 'running') this.current = 'paused';
  }

  resume(): void {
    if (this.current !== 'paused') return;
    this.current = 'running';
    this.wakeUp();
  }

  /** Stops at the next step; the run then resolves with its best checkpoint so far. */
  cancel(): void {
    this.current = 'cancelled';
    this.wakeUp();
  }

  /** Waits while paused; true once the run is cancelled. */
  async proceed(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.current === 'paused') await new Promise<void>((resolve) => (this.wake = resolve));
    return this.current === 'cancelled';
  }

  private wakeUp(): void {
    this.wake?.();
    this.wake = null;
  }
}
