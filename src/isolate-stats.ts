/**
 * This isolate's count of guarded requests and of the Durable Object calls they caused, by kind, and of
 * the rows written by the objects that run in it: what `GET /admin/stats` reports and the latency
 * benchmark divides into calls and rows per request. Plain numbers, reset only when the isolate starts;
 * here, not under guard/ or state/, because both the request path and the objects count into it.
 */
export const stateCalls = {
  startedAt: Date.now(),
  /** Requests the guard decided (mode shadow or enforce). */
  guarded: 0,
  /** `observe` calls a request waited for: at most one per request. */
  awaited: 0,
  /** Their total wall time in ms (the runtime's clock advances across I/O), for the mean round trip. */
  awaitedMs: 0,
  /** Of which the principal's object saw pass inside the call (its storage waits; see ObserveOutput.tookMs). */
  awaitedInsideMs: 0,
  /** Calls no request waits for: a cached block's observe, mirrored batches, usage, cluster batches, board pulls. */
  observeBackground: 0,
  mirrorBatches: 0,
  usage: 0,
  clusters: 0,
  board: 0,
  /**
   * Storage rows written by the Durable Objects running in this isolate (records, pending decisions,
   * cluster records, the board), and D1 rows their flushes wrote. Local development and the benchmarks
   * run the objects in the isolate that serves requests, so these divide into rows per request (the
   * cost model's inputs); deployed, the objects run in isolates of their own and count there.
   */
  objectRows: 0,
  d1Rows: 0,
};

export type StateCallKind = Exclude<
  keyof typeof stateCalls,
  'startedAt' | 'guarded' | 'awaitedMs' | 'awaitedInsideMs' | 'objectRows' | 'd1Rows'
>;

export function countRows(kind: 'objectRows' | 'd1Rows', n: number): void {
  stateCalls[kind] += n;
}

export function countCall(kind: StateCallKind, n = 1): void {
  stateCalls[kind] += n;
}
