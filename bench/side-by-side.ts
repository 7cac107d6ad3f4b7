/**
 * `npm run bench:side -- --a DIR [--b DIR] [--rounds 5] [--connections 8]`: two guarded Workers (shadow
 * mode), each served from its own checkout (a `git worktree` of another revision, with node_modules),
 * under the same load at the same time: the app keys' requests, each Worker kept busy by its own
 * autocannon, round after round. Prints each round's workerd CPU a request for both and the calls and
 * rows a request from their counters. Run one after the other, two revisions see this machine in
 * different states (the same code's added CPU moves by half between latency runs minutes apart); run
 * together, they share it second by second, so a difference of a few percent shows.
 */
import { resolve } from 'node:path';
import { startOrigin } from '../test/node/helpers/origin';
import { numberOption, option } from './args';
import { startBenchGuard } from './bench-guard';
import { ADMIN_TOKEN, perRequest, type StateCalls, stateCalls } from './isolate-counters';
import { appRequests, run, WARM_PASSES, warm } from './latency';
import { cpuMs, workerdPids } from './workerd-cpu';

const dirs = { A: resolve(option('--a') ?? '.'), B: resolve(option('--b') ?? '.') };
const rounds = numberOption('--rounds', 5);
const connections = numberOption('--connections', 8);
const seconds = 8;

const origin = await startOrigin({ record: false });
const reqs = appRequests(300);
const home = process.cwd();

/** A guard from `dir`, warmed; its workerd processes are the ones that appeared meanwhile. */
async function start(dir: string, taken: number[]) {
  const before = new Set(workerdPids());
  process.chdir(dir); // wrangler.toml, src and the migrations of that checkout
  try {
    const guard = await startBenchGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'shadow', STATE_TIMEOUT_MS: '50', ADMIN_TOKEN });
    await warm(guard.url, reqs, connections, WARM_PASSES);
    return { guard, pids: workerdPids().filter((p) => !before.has(p) && !taken.includes(p)) };
  } finally {
    process.chdir(home);
  }
}

const a = await start(dirs.A, []);
const b = await start(dirs.B, a.pids);
// A sat idle while B warmed up, long enough for its keys' mirrors to lapse (10 s): one more pass for
// both, at once, so neither starts the rounds with its keys' requests waiting for their objects.
await Promise.all([warm(a.guard.url, reqs, connections, 1), warm(b.guard.url, reqs, connections, 1)]);
try {
  console.log(`A: ${dirs.A}\nB: ${dirs.B}\n${rounds} rounds of ${seconds} s, ${connections} connections each, at the same time`);
  const us: Array<[number, number]> = [];
  const first = await Promise.all([stateCalls(a.guard.url), stateCalls(b.guard.url)]);
  for (let r = 1; r <= rounds; r++) {
    const cpu0 = [cpuMs(a.pids), cpuMs(b.pids)];
    const [ra, rb] = await Promise.all([run(a.guard.url, reqs, connections, seconds), run(b.guard.url, reqs, connections, seconds)]);
    const perRequest = (ms: number, done: number) => Math.round((ms * 1000) / Math.max(1, done));
    const round: [number, number] = [
      perRequest(cpuMs(a.pids) - (cpu0[0] as number), ra.requests.total),
      perRequest(cpuMs(b.pids) - (cpu0[1] as number), rb.requests.total),
    ];
    us.push(round);
    console.log(
      `round ${r}: A ${ra.requests.average.toFixed(0)} req/s, ${round[0]} µs CPU a request | B ${rb.requests.average.toFixed(0)} req/s, ${round[1]} µs`,
    );
  }
  const last = await Promise.all([stateCalls(a.guard.url), stateCalls(b.guard.url)]);
  console.log(`B / A, round by round: ${us.map(([x, y]) => (y / x).toFixed(3)).join(' / ')}`);
  for (const [i, name] of (['A', 'B'] as const).entries()) {
    const counter = perRequest(first[i] as StateCalls, last[i] as StateCalls);
    const per = (k: keyof StateCalls) => counter(k).toFixed(3);
    console.log(
      `${name} a request: awaited ${per('awaited')}, mirrored batches ${per('mirrorBatches')}, cluster ${per('clusters')}, usage ${per('usage')}; object rows ${per('objectRows')}, D1 rows ${per('d1Rows')}`,
    );
  }
} finally {
  await Promise.all([a.guard.stop(), b.guard.stop()]);
  await origin.close();
}
