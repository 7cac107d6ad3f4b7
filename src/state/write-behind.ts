/**
 * A Durable Object's throttled write: at once when the last write is older than the window, else once
 * by a timer when it is, so a busy object writes once per window instead of once per call. What the
 * window holds is in memory until then, lost only if the object is torn down within it.
 */
export class WriteBehind {
  private lastWrite = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `onTimerError`: a write the timer runs has no caller to throw to. */
  constructor(
    private readonly write: () => Promise<void>,
    private readonly onTimerError: (err: unknown) => void,
  ) {}

  /** Write within `windowMs` of the last write; `urgent` (or a window of 0) writes now. */
  soon(windowMs: number, urgent = false): Promise<void> {
    const wait = this.lastWrite + windowMs - Date.now();
    if (urgent || wait <= 0) return this.now();
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.now().catch(this.onTimerError);
    }, wait);
    return Promise.resolve();
  }

  /** Write now; a write the timer was waiting for is this one. */
  now(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastWrite = Date.now();
    return this.write();
  }
}
