/**
 * Events from the worker to the page, a few messages a second however fast training goes: each message
 * carries every event since the last, so the page updates its store once per message rather than once per
 * step, and the main thread stays free.
 */
export class EventBatcher<T> {
  private pending: T[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (events: T[]) => void,
    private readonly intervalMs = 250,
  ) {}

  /** Queues an event; it leaves with the next batch, at most `intervalMs` from now. */
  push(event: T): void {
    this.pending.push(event);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends what is queued now (at the end of a session, so the last events do not wait). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.send(events);
  }
}
