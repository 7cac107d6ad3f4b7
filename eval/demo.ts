/**
 * `npm run demo [-- --url http://127.0.0.1:8787] [--minutes 3] [--rps 12] [--token T]`: send a few
 * minutes of simulated traffic (the eval population, scaled down: chat apps, support bots, developers,
 * coding agents, an evaluation run, and adaptive campaigns that open new accounts when stopped) to a
 * running `npm run dev`, so the dashboard at /admin fills with real decisions. Actors react to what the
 * guard really answered; requests go out in the simulator's order at a steady rate.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Action } from '../src/engine/types';
import { buildRequest } from './client';
import { loadCorpus } from './corpus';
import { buildPopulation, type SimParams } from './populations';
import { Rng } from './rng';
import { Heap } from './simulate';
import { WRAPPERS } from './wrappers';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : fallback;
};
const url = arg('--url', 'http://127.0.0.1:8787').replace(/\/$/, '');
const minutes = Number(arg('--minutes', '3'));
const rps = Number(arg('--rps', '12'));
const token = arg('--token', process.env.ADMIN_TOKEN ?? 'dev-token');
/** The same seed makes the same customers and campaigns (returning keys); a new one makes new ones. */
const seed = Number(arg('--seed', '102'));

const full = JSON.parse(readFileSync(resolve(import.meta.dirname, 'params.json'), 'utf8')) as SimParams;
// A tenth of the evaluated population: enough actors for clusters to form, few enough to see each one.
const params: SimParams = {
  ...full,
  warmupDays: 0,
  benign: { ...full.benign, chatApps: 1, supportBots: 1, developers: 20, codingAgents: 6, batchJobs: 0, evalRuns: 1, evalRunSize: 60 },
  campaigns: full.campaigns.map((c) => ({ ...c, accounts: Math.max(1, Math.round(c.accounts / 10)) })),
};

const ACTED = new Set(['block', 'challenge', 'throttle', 'degrade']);

/** What the guard did, read off its answer (the guard labels every answer it makes itself). */
function actionOf(res: Response): Action {
  const header = res.headers.get('x-guard-action') ?? 'allow';
  return (ACTED.has(header) ? header : 'allow') as Action;
}

async function main(): Promise<void> {
  try {
    await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(3000) });
  } catch {
    console.error(`No guard answers at ${url}. Start one first:  npm run dev -- --var ADMIN_TOKEN:${token}`);
    process.exit(2);
  }
  const pop = buildPopulation(new Rng(seed), loadCorpus(1), params, WRAPPERS.heldOut);
  // A demo has minutes, not days: everyone (campaigns, the evaluation run, late developers) starts soon.
  const rng = new Rng(7);
  const heap = new Heap();
  for (const a of pop.actors) {
    if (a.nextAt > params.start + 20 * 60_000) a.nextAt = params.start + rng.float() * 20 * 60_000;
    heap.push(a);
  }
  const total = Math.round(minutes * 60 * rps);
  const counts = new Map<string, Record<string, number>>();
  const started = Date.now();
  console.log(`Sending ${total} requests over ${minutes} min to ${url} (${pop.actors.length} simulated clients).`);
  console.log(`Dashboard: ${url}/admin  (token: ${token})`);
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  while (sent < total) {
    const actor = heap.pop();
    if (!actor && inflight.size > 0) {
      await Promise.race(inflight);
      continue;
    }
    if (!actor || !Number.isFinite(actor.nextAt)) break;
    const now = actor.nextAt;
    const { spec } = actor.emit();
    const raw = buildRequest(spec);
    const path = new URL(raw.url).pathname;
    const job = fetch(`${url}${path}`, { method: 'POST', headers: { ...raw.headers, 'cf-connecting-ip': raw.ip }, body: raw.body })
      .then(async (res) => {
        await res.body?.cancel();
        const action = actionOf(res);
        actor.react(action, now);
        const c = counts.get(actor.kind) ?? {};
        const label = action === 'allow' && !res.ok ? `origin ${res.status}` : action;
        c[label] = (c[label] ?? 0) + 1;
        counts.set(actor.kind, c);
      })
      .catch((err: unknown) => console.error(`request failed: ${String(err)}`))
      .finally(() => {
        heap.push(actor);
        inflight.delete(job);
      });
    inflight.add(job);
    sent++;
    // Steady pacing; the actor goes back on the heap once its answer is in.
    const due = started + (sent / rps) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    if (sent % (rps * 10) === 0) {
      const line = [...counts]
        .map(
          ([k, c]) =>
            `${k}: ${Object.entries(c)
              .map(([a, n]) => `${a} ${n}`)
              .join(', ')}`,
        )
        .join(' | ');
      console.log(`${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s  ${sent}/${total}  ${line}`);
    }
  }
  await Promise.all(inflight);
  console.log('\nBy kind of client and action:');
  for (const [kind, c] of counts)
    console.log(
      `  ${kind.padEnd(9)} ${Object.entries(c)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ')}`,
    );
  console.log(`\nDecisions reach the dashboard within RECORD_FLUSH_MS (10 s by default): ${url}/admin`);
}

await main();
