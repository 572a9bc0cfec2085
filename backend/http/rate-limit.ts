/**
 * A per-key sliding-window limit kept in this process's memory: at most `limit` events in any `windowMs`. Enough to
 * stop one broken page from flooding a table; not shared between processes.
 */
export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  /** Per key, the times (ms) of the events still inside the window, oldest first. */
  private readonly events = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event for `key` if the window has room; otherwise says how long until it will. */
  take(key: string): Take {
    const now = this.now();
    if (this.events.size > 10_000) this.sweep(now);
    const times = this.events.get(key) ?? [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000)) };
    }
    times.push(now);
    this.events.set(key, times);
    return { ok: true };
  }

  /** Forgets keys with no event inside the window, so idle keys do not accumulate. */
  private sweep(now: number): void {
    for (const [key, times] of this.events) if (times[times.length - 1]! <= now - this.windowMs) this.events.delete(key);
  }
}
