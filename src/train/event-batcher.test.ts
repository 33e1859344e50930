import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher } from './event-batcher';

describe('EventBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends at most one batch per interval, with every event in order', () => {
    const sent: number[][] = [];
    const batcher = new EventBatcher<number>((events) => sent.push(events), 250);
    for (let i = 0; i < 10; i++) {
      batcher.push(i);
      vi.advanceTimersByTime(60);
    }
    // Pushed at 0…540 ms: batches leave at 250 (0–4) and 550 (5–9).
    expect(sent).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2);
  });

  it('flushes at once when asked, and sends nothing empty', () => {
    const sent: string[][] = [];
    const batcher = new EventBatcher<string>((events) => sent.push(events));
    batcher.flush();
    batcher.push('done');
    batcher.flush();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([['done']]);
  });
});
