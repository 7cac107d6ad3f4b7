/** The guarded isolate's counters (`GET /admin/stats`, `isolate`): what the benches divide into calls and rows per request. */

export const ADMIN_TOKEN = 'bench-admin-token';

export interface StateCalls {
  guarded: number;
  awaited: number;
  awaitedMs: number;
  awaitedInsideMs: number;
  observeBackground: number;
  mirrorBatches: number;
  usage: number;
  clusters: number;
  board: number;
  objectRows: number;
  d1Rows: number;
}

export async function stateCalls(url: string): Promise<StateCalls> {
  const r = await fetch(`${url}/admin/stats?hours=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await r.json()) as { isolate: StateCalls }).isolate;
}

/** A counter's change between two readings, per request the guard decided in between. */
export function perRequest(a: StateCalls, b: StateCalls): (counter: keyof StateCalls) => number {
  const n = Math.max(1, b.guarded - a.guarded);
  return (counter) => (b[counter] - a[counter]) / n;
}

export interface CallsByKind {
  awaited: number;
  mirrorBatches: number;
  clusters: number;
  usage: number;
  other: number;
}

/** Durable Object calls per guarded request between two readings of the counters, by kind. */
export function callsBetween(a: StateCalls, b: StateCalls): CallsByKind {
  const per = perRequest(a, b);
  return {
    awaited: per('awaited'),
    mirrorBatches: per('mirrorBatches'),
    clusters: per('clusters'),
    usage: per('usage'),
    other: per('observeBackground') + per('board'),
  };
}

/** All of them. */
export function totalCalls(calls: CallsByKind): number {
  return calls.awaited + calls.mirrorBatches + calls.clusters + calls.usage + calls.other;
}
