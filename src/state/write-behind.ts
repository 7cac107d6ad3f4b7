/**
 * A Durable Object's throttled write: at once when the last write is older than the window, else once
 * by a timer when it is, so a busy object writes once per window instead of once per call. A change
 * whose follow-up is on its way can be held for it instead (`hold`), so the two go in one write. What
 * the window holds is in memory until then, lost only if the object is torn down within it.
 */
export class WriteBehind {
  private lastWrite = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `onTimerError`: a write the timer runs has no caller to throw to. */
  constructor(
    private readonly write: () => Promise<void>,
    private readonly onTimerError: (err: unknown) => void,
  ) {}

  /** Write within `windowMs` of the last write: at once when that is already past (or the window is 0), else by a timer. */
  soon(windowMs: number): Promise<void> {
    const wait = this.lastWrite + windowMs - Date.now();
    if (wait <= 0) return this.now();
    this.later(wait);
    return Promise.resolve();
  }

  /**
   * A change whose follow-up is on its way: not written now but with the follow-up (its `soon`), or
   * `windowMs` from now if that has not come by then; a write already waiting for its window takes it
   * along. A window of 0 writes now.
   */
  hold(windowMs: number): Promise<void> {
    if (windowMs <= 0) return this.now();
    this.later(windowMs);
    return Promise.resolve();
  }

  /** Write now; a write the timer was waiting for is this one. */
  now(): Promise<void> {
    this.wrote();
    return this.write();
  }

  /** A write made elsewhere is storing everything now: one waiting for its window has nothing left to store. */
  wrote(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastWrite = Date.now();
  }

  private later(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.now().catch(this.onTimerError);
    }, ms);
  }
}
