/** Actions that fit API clients: typed SDK errors, proof-of-work challenges, degrade, through the Worker. */

import { env } from 'cloudflare:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { issueChallenge, solveChallenge, verifySolution } from '../../src/actions/challenge';
import { degradeBody } from '../../src/actions/degrade';
import { guardFetch } from '../../src/client/guard-fetch';
import { setTestClock } from '../../src/clock';
import { Hmac } from '../../src/engine/hash/sha256';
import { DEFAULT_RULE_SET } from '../../src/engine/rules/defaults';
import { callGuard } from './helpers';

const ADMIN = { ADMIN_TOKEN: 'test-admin-token' };
const guardFetchOf =
  (overrides: Partial<Cloudflare.Env> = {}) =>
  (input: string | URL | Request, init?: RequestInit) =>
    callGuard(new Request(input, init), { ...ADMIN, ...overrides });

async function list(name: 'allow' | 'deny' | 'challenge', key: string): Promise<void> {
  const res = await callGuard(
    new Request(`http://localhost/admin/lists/${name}`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ key, reason: 'test' }),
    }),
    ADMIN,
  );
  expect(res.status).toBe(201);
}

function anthropic(key: string, fetch = guardFetchOf()) {
  return new Anthropic({ apiKey: key, baseURL: 'http://localhost', fetch, maxRetries: 0 });
}

const ask = { model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello there' }] };

let clock = Date.UTC(2027, 1, 1);
setTestClock(() => clock);
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Run `body` with a rule set of the defaults plus one test rule (points on one max_tokens value) as the
 * current version, live in this isolate, then restore the defaults.
 */
async function withTestRule(version: number, id: string, maxTokens: number, points: number, body: () => Promise<void>): Promise<void> {
  const doc = structuredClone(DEFAULT_RULE_SET);
  doc.version = version;
  doc.rules.push({ id, description: 'test', mode: 'enforce', tags: [], when: { feature: 'request.maxTokens', eq: maxTokens }, points });
  await env.DB.prepare('INSERT INTO rule_set_versions (version, document, created_by, created_at) VALUES (?, ?, ?, ?)')
    .bind(version, JSON.stringify(doc), 'test', clock)
    .run();
  clock += 6_000;
  await callGuard(new Request('http://localhost/v1/models', { headers: { 'x-api-key': 'sk-warm' } }), ADMIN);
  clock += 1_000;
  try {
    await body();
  } finally {
    await env.DB.prepare('DELETE FROM rule_set_versions WHERE version = ?').bind(version).run();
    clock += 6_000;
  }
}

describe('errors the SDKs understand', () => {
  it('block: 403 in the Anthropic shape, raised as PermissionDeniedError with a reason and the request id', async () => {
    await list('deny', 'sk-ant-denied');
    clock += 6_000;
    const err = await anthropic('sk-ant-denied')
      .messages.create(ask)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const e = err as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect(e.message).toContain('list.deny');
    expect(e.message).toMatch(/request id [0-9a-f-]{36}/);
    expect(e.headers?.get('x-guard-action')).toBe('block');
  });

  it('block: 403 in the OpenAI shape for Chat Completions, raised as PermissionDeniedError', async () => {
    await list('deny', 'sk-oai-denied');
    clock += 6_000;
    const client = new OpenAI({ apiKey: 'sk-oai-denied', baseURL: 'http://localhost/v1', fetch: guardFetchOf(), maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('throttle: 429 with a retry-after computed from the standing decision, raised as RateLimitError', async () => {
    // A rule set that throttles one unusual request shape, saved as the current version.
    await withTestRule(2, 'test.throttle', 777, 65, async () => {
      const err = await anthropic('sk-ant-throttled')
        .messages.create({ ...ask, max_tokens: 777 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      const retry = Number((err as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after'));
      expect(retry).toBeGreaterThan(60);
      expect(retry).toBeLessThanOrEqual(120);
    });
  });
});

describe('proof-of-work challenge', () => {
  it('a listed key gets x-guard-challenge; guardFetch solves it with no change to the calling code', async () => {
    await list('challenge', 'sk-ant-challenged');
    clock += 6_000;
    const plain = await anthropic('sk-ant-challenged')
      .messages.create(ask)
      .catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((plain as InstanceType<typeof Anthropic.PermissionDeniedError>).headers?.get('x-guard-challenge')).toMatch(/^dg1\./);
    const client = anthropic('sk-ant-challenged', guardFetch(guardFetchOf()));
    const message = await client.messages.create(ask);
    expect(message.type).toBe('message');
    // The clearance lets the next request through without a new challenge.
    const again = await anthropic('sk-ant-challenged').messages.create(ask);
    expect(again.type).toBe('message');
  });

  it('refuses forged, expired, reused and other-key solutions, and strips the header before the origin', async () => {
    await list('challenge', 'sk-ant-pow');
    clock += 6_000;
    const req = (key: string, solution?: string) =>
      new Request('http://localhost/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json', ...(solution ? { 'x-guard-solution': solution } : {}) },
        body: JSON.stringify(ask),
      });
    const challenged = await callGuard(req('sk-ant-pow'), { ...ADMIN, CLEARANCE_SECONDS: '1' });
    const token = challenged.headers.get('x-guard-challenge') as string;
    const solution = solveChallenge(token);
    const [v, payload, mac, counter] = solution.split('.');
    const forged = `${v}.${payload}.${(mac as string).replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'))}.${counter}`;
    const bad = await callGuard(req('sk-ant-pow', forged), { ...ADMIN, CLEARANCE_SECONDS: '1' });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('forged challenge');

    await list('challenge', 'sk-ant-other');
    const other = await callGuard(req('sk-ant-other', solution), { ...ADMIN, CLEARANCE_SECONDS: '1' });
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('another key');

    const seen: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      seen.push(new Request(input as RequestInfo, init));
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    });
    const ok = await callGuard(req('sk-ant-pow', solution), { ...ADMIN, CLEARANCE_SECONDS: '1', ORIGIN_URL: 'https://origin.test' });
    expect(ok.status).toBe(200);
    expect(seen[0]?.headers.get('x-guard-solution')).toBeNull();

    clock += 2_000; // clearance over
    const reused = await callGuard(req('sk-ant-pow', solution), { ...ADMIN, CLEARANCE_SECONDS: '1' });
    expect(reused.status).toBe(403);
    expect(await reused.text()).toContain('already used');

    clock += 600_000; // challenge expired
    const late = await callGuard(req('sk-ant-pow', solution), { ...ADMIN, CLEARANCE_SECONDS: '1' });
    expect(await late.text()).toContain('expired');
  });

  it('verifies stateless tokens: work, signature, principal and expiry', () => {
    const secret = new Hmac('s');
    const token = issueChallenge(secret, { principal: 'k_00112233aabbccdd', expires: 2000, bits: 8, nonce: 'n1' });
    const solution = solveChallenge(token);
    expect(verifySolution(secret, solution, 'k_00112233aabbccdd', 1000)).toMatchObject({ ok: true });
    expect(verifySolution(new Hmac('other'), solution, 'k_00112233aabbccdd', 1000)).toMatchObject({
      ok: false,
      reason: 'forged challenge',
    });
    expect(verifySolution(secret, solution, 'k_ffffffffffffffff', 1000)).toMatchObject({ ok: false });
    expect(verifySolution(secret, solution, 'k_00112233aabbccdd', 3000)).toMatchObject({ ok: false, reason: 'challenge expired' });
    expect(verifySolution(secret, `${token}.x`, 'k_00112233aabbccdd', 1000)).toMatchObject({ ok: false, reason: 'malformed counter' });
  });
});

describe('degrade', () => {
  it('forwards a rewritten request and says so, with the reason, in the response headers', async () => {
    await withTestRule(3, 'test.degrade', 5555, 55, async () => {
      const seen: Request[] = [];
      vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        seen.push(new Request(input as RequestInfo, init));
        return new Response('{}', { headers: { 'content-type': 'application/json' } });
      });
      const res = await callGuard(
        new Request('http://localhost/v1/messages', {
          method: 'POST',
          headers: { 'x-api-key': 'sk-ant-degraded', 'content-type': 'application/json' },
          body: JSON.stringify({ ...ask, max_tokens: 5555, thinking: { type: 'enabled', budget_tokens: 2048 } }),
        }),
        { ...ADMIN, ORIGIN_URL: 'https://origin.test' },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-guard-action')).toBe('degrade');
      expect(res.headers.get('x-guard-reason')).toContain('test.degrade');
      expect(res.headers.get('x-guard-degraded')).toContain('thinking removed');
      const sent = (await seen[0]?.json()) as { max_tokens: number; thinking?: unknown };
      expect(sent.max_tokens).toBe(1024);
      expect(sent.thinking).toBeUndefined();
    });
  });

  it('caps reasoning budgets and output, drops token probabilities and forces n=1, listing each change', () => {
    const caps = DEFAULT_RULE_SET.evaluator.degrade;
    const a = degradeBody(JSON.stringify({ max_tokens: 20000, thinking: { type: 'enabled', budget_tokens: 16000 }, messages: [] }), caps);
    expect(JSON.parse(a?.body ?? '{}')).toEqual({ max_tokens: 1024, messages: [] });
    expect(a?.changes).toEqual(['max_tokens=1024', 'thinking removed']);
    const o = degradeBody(
      JSON.stringify({
        max_completion_tokens: 9000,
        reasoning_effort: 'high',
        logprobs: true,
        top_logprobs: 20,
        logit_bias: { 1: 5 },
        n: 5,
      }),
      caps,
    );
    expect(JSON.parse(o?.body ?? '{}')).toEqual({ max_completion_tokens: 1024, reasoning_effort: 'low', n: 1 });
    expect(degradeBody('not json', caps)).toBeNull();
  });
});
