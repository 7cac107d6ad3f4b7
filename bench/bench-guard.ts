/**
 * The guard as the latency benches (`bench:latency`, `bench:side`) serve it: `startGuard` with its
 * local state (the Durable Objects' and D1's SQLite files) on a RAM disk when the machine has one.
 * Local workerd runs the objects on the guard's serving thread and commits their writes with fsync
 * there: on this machine's virtual disk 0.6 ms at the median and 3.9 ms at p99 (strace, 848 calls in
 * 20 s of a latency run, with 300 keys). A deployed guard's objects run elsewhere and no request waits
 * for their storage, so the benches leave the local disk out. Its effect on the budgets was within a
 * sitting's run-to-run noise (BENCHMARKS.md, stop 22); `BENCH_STATE_DIR=/tmp` measures on disk (or
 * where `/dev/shm` is small).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type RunningGuard, startGuard } from '../test/node/helpers/guard';
import { hideClientDisconnects } from './client-disconnects';

/** Where the benches' guards keep their local state. */
export function benchStateRoot(): string {
  return process.env.BENCH_STATE_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
}

export function startBenchGuard(vars: Record<string, string>): Promise<RunningGuard> {
  hideClientDisconnects();
  return startGuard(vars, undefined, benchStateRoot());
}
