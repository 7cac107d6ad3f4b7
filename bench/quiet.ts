/**
 * `npm run bench:quiet`: what a guarded request costs when every key is quiet. One guard (shadow mode,
 * real local Durable Objects and D1) receives `--rate` requests a second spread over `--keys` keys, each
 * key coming back about every keys / rate seconds (below HOT_PER_MINUTE, so none is mirrored), for
 * `--seconds`; then it waits `--tail` seconds for the writes that follow (a request's usage, the D1
 * flushes, the cluster shards' alarms). Prints the Durable Object calls and the rows written per
 * request, from the isolate's counters (local workerd runs the objects in the serving isolate), and
 * what they cost per million requests at the prices of BENCHMARKS.md's cost model.
 */
import { loadCorpus } from '../eval/corpus';
import { startGuard } from '../test/node/helpers/guard';
import { startOrigin } from '../test/node/helpers/origin';
import { numberOption } from './args';
import { hideClientDisconnects } from './client-disconnects';
import { ADMIN_TOKEN, callsBetween, perRequest, stateCalls, totalCalls } from './isolate-counters';

/** Cloudflare's published prices, dollars per million (BENCHMARKS.md, cost model). */
const PRICE = { objectRequest: 0.15, objectRow: 1.0, d1Row: 1.0 };

const keys = numberOption('--keys', 50);
const rate = numberOption('--rate', 2);
const seconds = numberOption('--seconds', 150);
const tail = numberOption('--tail', 80);

const conversations = loadCorpus(0).hh.filter((p) => (p.turns?.length ?? 0) >= 2);
const origin = await startOrigin({ record: false });
hideClientDisconnects();
const guard = await startGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'shadow', ADMIN_TOKEN });
try {
  const total = Math.round(rate * seconds);
  console.log(
    `quiet: ${total} requests, ${rate}/s over ${keys} keys (each about every ${(keys / rate).toFixed(0)} s), then ${tail} s for the writes that follow`,
  );
  const before = await stateCalls(guard.url);
  for (let i = 0; i < total; i++) {
    const started = Date.now();
    const turns = conversations[i % conversations.length]?.turns ?? [];
    const res = await fetch(`${guard.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': `sk-ant-quiet-${i % keys}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 256, messages: turns.slice(0, 1) }),
    });
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / rate - (Date.now() - started))));
  }
  await new Promise((resolve) => setTimeout(resolve, tail * 1000));
  const after = await stateCalls(guard.url);
  const per = perRequest(before, after);
  const calls = totalCalls(callsBetween(before, after));
  const f = (x: number) => x.toFixed(2);
  console.log(
    `Durable Object calls a request: ${f(calls)} (awaited ${f(per('awaited'))}, usage ${f(per('usage'))}, mirrored batches ${f(per('mirrorBatches'))}, cluster ${f(per('clusters'))}, board ${f(per('board'))}, other ${f(per('observeBackground'))})`,
  );
  console.log(`rows written a request: objects ${f(per('objectRows'))}, D1 ${f(per('d1Rows'))}`);
  const dollars = calls * PRICE.objectRequest + per('objectRows') * PRICE.objectRow + per('d1Rows') * PRICE.d1Row;
  console.log(`per million requests: $${f(dollars)} for calls and rows (plus the Worker request, CPU and object duration, ~$0.35)`);
} finally {
  await guard.stop();
  await origin.close();
}
