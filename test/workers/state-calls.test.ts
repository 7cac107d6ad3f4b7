/**
 * The request path's Durable Object budget: usage rides on the principal's next observe instead of a
 * call of its own, the isolate counts every call by kind, a busy principal's record is written once
 * per PERSIST_MS and a quiet one's request together with its usage. (The other test files run with usage sent at once and every record written.)
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { setTestClock } from '../../src/clock';
import { engineKeys, fingerprint } from '../../src/engine/fingerprint';
import { keyHashOf } from '../../src/engine/fingerprint/identity';
import { MIRROR_TTL_MS, mirrorOf } from '../../src/guard/mirror';
import { principalStub } from '../../src/guard/principal-calls';
import { stateCalls } from '../../src/isolate-stats';
import { STOP_FLUSH_MS } from '../../src/state/principal-state';
import type { ObserveInput } from '../../src/state/principal-step';
import { anthropic } from './engine/requests';
import { callGuard, callGuardLive, countingPrincipalState, storedRecord, wrappedBinding } from './helpers';
import { chatRequest, harvestRequest } from './traffic';

afterEach(() => setTestClock(null));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Chat requests `from`..`to` of `key`, one after another with their background work left running, 20 ms
 * apart (the accounting branch reads each answer's usage meanwhile); waits for all background work and
 * returns the answers' output tokens.
 */
async function sendChats(key: string, from: number, to: number, overrides: Partial<Cloudflare.Env>): Promise<number> {
  const backgrounds: Promise<void>[] = [];
  let tokens = 0;
  for (let i = from; i < to; i++) {
    const { response, background } = await callGuardLive(chatRequest(key, 1 + (i % 3)), overrides);
    tokens += ((await response.json()) as { usage: { output_tokens: number } }).usage.output_tokens;
    backgrounds.push(background);
    await sleep(20);
  }
  await Promise.all(backgrounds);
  return tokens;
}

describe('Durable Object calls per request', () => {
  it('sends an answer’s usage with the principal’s next observe, and counts every call by kind', async () => {
    const { binding, calls } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, USAGE_FLUSH_MS: '1500' };
    const before = { ...stateCalls };

    const first = await callGuardLive(chatRequest('sk-usage-fold', 1), overrides);
    const tokens1 = ((await first.response.json()) as { usage: { output_tokens: number } }).usage.output_tokens;
    await sleep(100); // the accounting branch finishes reading and queues the usage
    const second = await callGuardLive(chatRequest('sk-usage-fold', 2), overrides);
    const tokens2 = ((await second.response.json()) as { usage: { output_tokens: number } }).usage.output_tokens;
    expect(calls).toMatchObject({ observe: 2, carried: 1, usage: 0 });

    // Nothing more from this key: the second answer's usage goes on its own when the window closes.
    await Promise.all([first.background, second.background]);
    expect(calls).toMatchObject({ observe: 2, carried: 1, usage: 1 });
    const record = await principalStub(env, keyHashOf(engineKeys('test-pepper'), 'sk-usage-fold')).snapshot();
    expect(record?.responses).toBe(2);
    expect(record?.outputTokens).toBe(tokens1 + tokens2);

    expect(stateCalls.guarded - before.guarded).toBe(2);
    expect(stateCalls.awaited - before.awaited).toBe(2);
    expect(stateCalls.usage - before.usage).toBe(1);
    // The object reports its own time, so the isolate can tell processing from transport.
    expect(calls.took).toHaveLength(2);
    for (const ms of calls.took) expect(ms).toBeGreaterThanOrEqual(0);
    expect(stateCalls.awaitedInsideMs - before.awaitedInsideMs).toBeCloseTo((calls.took[0] ?? 0) + (calls.took[1] ?? 0), 6);
    expect(stateCalls.clusters - before.clusters).toBeGreaterThanOrEqual(1);
  });

  it('still reads usage sent in the previous version’s shape (principal, usage, now) during a rolling deploy', async () => {
    const principal = keyHashOf(engineKeys('test-pepper'), 'sk-old-isolate');
    const stub = principalStub(env, principal);
    await stub.usage(principal, { inputTokens: 5, outputTokens: 7 }, Date.UTC(2027, 1, 2));
    await stub.usage(principal, [{ usage: { inputTokens: 1, outputTokens: 3 }, now: Date.UTC(2027, 1, 2) }]);
    const record = await stub.snapshot();
    expect(record?.outputTokens).toBe(10);
    expect(record?.responses).toBe(2);
  });

  it('writes a quiet principal’s request with its usage, a busy one once per PERSIST_MS, and a request whose usage never comes at the window’s end', async () => {
    const features = fingerprint(anthropic({ key: 'sk-persist-window' }), { keys: engineKeys('test-pepper') });
    const t = Date.UTC(2027, 1, 1);
    const input = (i: number): ObserveInput => ({
      features,
      sightings: [],
      list: null,
      rulesVersion: 0,
      now: t + i * 100,
      // The first carries usage: the origin accepted the key, so from then on its object keeps state.
      usage: i === 0 ? [{ usage: { inputTokens: 10, outputTokens: 20 }, now: t }] : undefined,
    });
    await runInDurableObject(principalStub(env, features.principal), async (instance, state) => {
      // A window of 300-500 ms (PERSIST_MS is spread over 75-125% of it).
      (instance as unknown as { env: Cloudflare.Env }).env = { ...env, PERSIST_MS: '400' };
      const stored = async () => (await storedRecord(state))?.total ?? 0;
      // A request waits for its own usage, which a quiet key's isolate sends once the answer is read.
      await instance.observe(input(0));
      expect(await stored()).toBe(0);
      await instance.usage(features.principal, [{ usage: { inputTokens: 4, outputTokens: 6 }, now: t + 50 }]);
      expect(await stored()).toBe(1);
      expect((await storedRecord(state))?.outputTokens).toBe(26);
      // A busy key's requests go in one write a window.
      for (let i = 1; i < 5; i++) await instance.observe(input(i));
      expect(await stored()).toBe(1);
      expect((await instance.snapshot())?.total).toBe(5);
      await sleep(600);
      expect(await stored()).toBe(5);
      // A request whose usage never comes (an answer that failed) is written when its window ends.
      await sleep(600);
      await instance.observe(input(5));
      expect(await stored()).toBe(5);
      await sleep(600);
      expect(await stored()).toBe(6);
    });
  });

  it('writes a new standing stop and a redeemed challenge at once, inside the PERSIST_MS window, and flushes stops to D1 sooner', async () => {
    const t = Date.UTC(2027, 1, 3);
    const keys = engineKeys('test-pepper');
    const harvest = (i: number) =>
      fingerprint(
        anthropic({
          key: 'sk-persist-urgent',
          ip: `100.64.${i % 250}.7`,
          maxTokens: 8192,
          prompt: `Solve the following problem. Think step by step and show your reasoning before the final answer.\n\nSolve for x: 3x + ${i} = 2x - 5 (case ${i})`,
        }),
        { keys },
      );
    const plain = () => fingerprint(anthropic({ key: 'sk-persist-urgent', prompt: 'What is a good name for a cat?' }), { keys });
    const input = (i: number, extra: Partial<ObserveInput> = {}): ObserveInput => ({
      features: harvest(i),
      sightings: [],
      list: null,
      rulesVersion: 0,
      now: t + i * 200,
      usage: i === 0 ? [{ usage: { inputTokens: 10, outputTokens: 2_000 }, now: t }] : undefined,
      ...extra,
    });
    await runInDurableObject(principalStub(env, harvest(0).principal), async (instance, state) => {
      (instance as unknown as { env: Cloudflare.Env }).env = { ...env, PERSIST_MS: '600000', RECORD_FLUSH_MS: '60000' };
      const stored = () => storedRecord(state);
      const flushIn = async () => ((await state.storage.getAlarm()) ?? Number.POSITIVE_INFINITY) - Date.now();
      await instance.observe(input(0));
      await instance.usage(harvest(0).principal, [{ usage: { inputTokens: 10, outputTokens: 2_000 }, now: t + 100 }]);
      expect((await stored())?.total).toBe(1);
      // Allowed traffic's aggregates go to D1 after RECORD_FLUSH_MS.
      expect(await flushIn()).toBeGreaterThan(STOP_FLUSH_MS);
      let i = 1;
      while (!(await instance.snapshot())?.standing && i < 80) await instance.observe(input(i++));
      const standing = (await instance.snapshot())?.standing;
      // The engine stopped it: the stop is in storage with the request that caused it, not a window later.
      expect(standing?.action).toMatch(/throttle|challenge|block/);
      expect((await stored())?.standing).toEqual(standing);
      expect((await stored())?.total).toBe(i);
      // ... and its decisions reach D1 (the dashboard, the ban feed) within STOP_FLUSH_MS.
      expect(await flushIn()).toBeLessThanOrEqual(STOP_FLUSH_MS);
      // An ordinary request that leaves the standing as it is waits for the window.
      await instance.observe(input(i++, { features: plain() }));
      expect((await instance.snapshot())?.standing).toEqual(standing);
      expect((await stored())?.total).toBe(i - 1);
      // A redeemed challenge does not: its nonce must stay used across a restart.
      await instance.observe(input(i++, { features: plain(), solution: { nonce: 'nonce-urgent', clearanceMs: 60_000 } }));
      expect((await stored())?.usedChallenges).toContain('nonce-urgent');
      expect((await stored())?.total).toBe(i);
    });
  });

  it('decides a busy principal on its mirror with no awaited call, stops it there, and the object agrees', async () => {
    let t = Date.UTC(2027, 2, 1, 9);
    setTestClock(() => t);
    const { binding, calls: counts } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3' };
    const actions: string[] = [];
    const awaited: boolean[] = [];
    // A key that starts as a chat and turns into a chain-of-thought harvester once mirrored.
    for (let i = 0; i < 24; i++) {
      t += 5_000;
      const before = counts.observe;
      const req = i < 6 ? chatRequest('sk-mirror-harvest', 1 + (i % 3)) : harvestRequest('sk-mirror-harvest', i);
      const res = await callGuard(req, overrides);
      actions.push(res.headers.get('x-guard-action') ?? (res.ok ? 'forwarded' : String(res.status)));
      awaited.push(counts.observe > before);
    }
    // From the third request a minute the isolate mirrors the record and stops waiting for the object.
    expect(awaited.slice(0, 3)).toEqual([true, true, true]);
    const mirrored = awaited.indexOf(false);
    expect(mirrored).toBeGreaterThan(0);
    const firstStop = actions.findIndex((a) => a === 'block' || a === 'challenge' || a === 'throttle');
    expect(firstStop).toBeGreaterThan(mirrored);
    expect(awaited[firstStop]).toBe(false);
    // Every request reached the object, in batches, and it came to the same stop.
    expect(counts.observe + counts.batched).toBe(24);
    const record = await principalStub(env, keyHashOf(engineKeys('test-pepper'), 'sk-mirror-harvest')).snapshot();
    expect(record?.total).toBe(24);
    expect(record?.standing?.action).toBe(actions[firstStop]);
  });
  it('sends a mirrored principal’s usage with its next batch: no usage call, and the object counts every answer', async () => {
    const { binding, calls } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3', USAGE_FLUSH_MS: '1500' };
    const tokens = await sendChats('sk-mirror-usage', 0, 8, overrides);
    expect(calls.batches).toBeGreaterThan(0); // mirrored from the third request
    expect(calls.observe + calls.batched).toBe(8);
    expect(calls.usage).toBe(0);
    const record = await principalStub(env, keyHashOf(engineKeys('test-pepper'), 'sk-mirror-usage')).snapshot();
    expect(record?.responses).toBe(8);
    expect(record?.outputTokens).toBe(tokens);
    // The copy the isolate decided on, usage applied as answers came, is the object's record exactly,
    // though no batch answer carried it: nothing else wrote to this principal.
    expect(calls.resyncs).toBe(0);
    expect(mirrorOf(record?.id ?? '', Date.now(), 0)?.record).toEqual(record);
  });

  it('makes one awaited call for a burst after a busy principal’s copy lapsed: the others wait for it and are decided on the copy it brings', async () => {
    const { binding, calls } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3', USAGE_FLUSH_MS: '1500' };
    const key = 'sk-mirror-rejoin';
    const principal = keyHashOf(engineKeys('test-pepper'), key);
    await sendChats(key, 0, 6, overrides);
    expect(mirrorOf(principal, Date.now(), 0)).not.toBeNull();
    // Quiet for longer than the copy lives, then five requests at once.
    setTestClock(() => Date.now() + MIRROR_TTL_MS + 1_000);
    expect(mirrorOf(principal, Date.now() + MIRROR_TTL_MS + 1_000, 0)).toBeNull();
    const observed = calls.observe;
    const batched = calls.batched;
    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => callGuardLive(chatRequest(key, 1 + (i % 3)), overrides)));
    for (const { response } of burst) expect(response.status).toBe(200);
    await Promise.all(burst.map((b) => b.background));
    expect(calls.observe - observed).toBe(1);
    expect(calls.batched - batched).toBe(4);
    const record = await principalStub(env, principal).snapshot();
    expect(record?.total).toBe(11);
    expect(mirrorOf(principal, Date.now() + MIRROR_TTL_MS + 1_000, 0)?.record).toEqual(record);
  });

  it('does not make a burst of a principal never mirrored here wait: each request makes its own call', async () => {
    const { binding, calls } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3', USAGE_FLUSH_MS: '1500' };
    const burst = await Promise.all(Array.from({ length: 4 }, (_, i) => callGuardLive(chatRequest('sk-burst-cold', 1 + i), overrides)));
    for (const { response } of burst) expect(response.status).toBe(200);
    await Promise.all(burst.map((b) => b.background));
    expect(calls.observe).toBe(4);
    expect(calls.batches).toBe(0);
  });

  it('lets the requests that waited for a failed rejoin share its fault: one wait, not one each, and their usage stays queued', async () => {
    const { binding, calls } = countingPrincipalState();
    let failing = false;
    let attempts = 0;
    const flaky = wrappedBinding(binding, (stub) => ({
      observe: (input: ObserveInput) => {
        if (!failing) return stub.observe(input);
        attempts++;
        // A failure takes a while to arrive (a timeout, say): the rest of the burst comes meanwhile.
        return new Promise((_, reject) => setTimeout(() => reject(new Error('overloaded')), 30));
      },
      observeMirrored: (...args: Parameters<typeof stub.observeMirrored>) => stub.observeMirrored(...args),
      usage: (...args: Parameters<typeof stub.usage>) => stub.usage(...args),
    }));
    const overrides = { PRINCIPAL_STATE: flaky, HOT_PER_MINUTE: '3', USAGE_FLUSH_MS: '1500' };
    const key = 'sk-mirror-rejoin-fault';
    await sendChats(key, 0, 6, overrides);
    setTestClock(() => Date.now() + MIRROR_TTL_MS + 1_000);
    failing = true;
    const burst = await Promise.all(Array.from({ length: 4 }, (_, i) => callGuardLive(chatRequest(key, 1 + (i % 3)), overrides)));
    // Fail open, as a request whose own call failed does.
    for (const { response } of burst) expect(response.status).toBe(200);
    await Promise.all(burst.map((b) => b.background));
    expect(attempts).toBe(1);
    // The burst's answers' usage reached the object anyway (in usage calls: no observe carried it).
    const record = await principalStub(env, keyHashOf(engineKeys('test-pepper'), key)).snapshot();
    expect(record?.responses).toBe(10);
    expect(calls.usage).toBeGreaterThan(0);
  });

  it('sends mirrored batches as observeBatch to an object still on the previous version, and only then', async () => {
    const real = env.PRINCIPAL_STATE;
    const sent = { batch: 0 };
    // An object of the previous version has no observeMirrored: the runtime rejects the call so.
    const previousVersion = (failure: Error) =>
      wrappedBinding(real, (stub) => ({
        observe: (input: ObserveInput) => stub.observe(input),
        observeBatch: (inputs: ObserveInput[]) => {
          sent.batch++;
          return stub.observeBatch(inputs);
        },
        observeMirrored: () => Promise.reject(failure),
        usage: (...args: Parameters<typeof stub.usage>) => stub.usage(...args),
      }));
    const run = async (key: string, failure: Error) => {
      const overrides = {
        PRINCIPAL_STATE: previousVersion(failure),
        HOT_PER_MINUTE: '3',
        USAGE_FLUSH_MS: '1500',
      };
      await sendChats(key, 0, 8, overrides);
      return keyHashOf(engineKeys('test-pepper'), key);
    };
    const principal = await run('sk-mirror-previous', new TypeError('The RPC receiver does not implement "observeMirrored".'));
    expect(sent.batch).toBeGreaterThan(0);
    const record = await principalStub(env, principal).snapshot();
    expect(record?.total).toBe(8);
    expect(mirrorOf(principal, Date.now(), 0)?.record).toEqual(record);
    // Any other failure may come after the object applied the batch: it is not sent again.
    sent.batch = 0;
    await run('sk-mirror-failing', new Error('network lost after the call was applied'));
    expect(sent.batch).toBe(0);
  });

  it('brings a mirror the record when something else changed it: another isolate’s requests, a usage call', async () => {
    const { binding, calls } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3', USAGE_FLUSH_MS: '1500' };
    const key = 'sk-mirror-resync';
    const principal = keyHashOf(engineKeys('test-pepper'), key);
    const send = (from: number, to: number) => sendChats(key, from, to, overrides);
    await send(0, 6);
    expect(calls.batches).toBeGreaterThan(0);
    expect(calls.resyncs).toBe(0);
    const inSync = async () => expect(mirrorOf(principal, Date.now(), 0)?.record).toEqual(await principalStub(env, principal).snapshot());
    // Another isolate observes a request of this key.
    const other = fingerprint(anthropic({ key, prompt: 'Sent through another isolate.' }), { keys: engineKeys('test-pepper') });
    await principalStub(env, principal).observe({ features: other, sightings: [], list: null, rulesVersion: 0, now: Date.now() });
    await send(6, 8);
    expect(calls.resyncs).toBe(1);
    expect((await principalStub(env, principal).snapshot())?.total).toBe(9);
    await inSync();
    // An answer's usage arrives in a call of its own.
    await principalStub(env, principal).usage(principal, [{ usage: { inputTokens: 5, outputTokens: 777 }, now: Date.now() }]);
    await send(8, 10);
    expect(calls.resyncs).toBe(2);
    await inSync();
    // Nothing else wrote: the next batch needs no record.
    await send(10, 12);
    expect(calls.resyncs).toBe(2);
    await inSync();
  });
});
