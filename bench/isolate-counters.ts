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
