/** /admin/lists: auth, validation, audit, and lists acting on the next request. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { callGuard } from './helpers';

const TOKENS = { ADMIN_TOKENS: 'alice:alice-token,bob:bob-token' };
const admin = (path: string, init: RequestInit & { token?: string } = {}) =>
  callGuard(
    new Request(`http://localhost/admin${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.token !== undefined ? { authorization: `Bearer ${init.token}` } : {}) },
    }),
    TOKENS,
  );

describe('admin auth', () => {
  it('is 404 with no token configured, 401 without or with a wrong token, and sends security headers', async () => {
    expect((await callGuard(new Request('http://localhost/admin/lists/deny'))).status).toBe(404);
    expect((await admin('/lists/deny')).status).toBe(401);
    const wrong = await admin('/lists/deny', { token: 'alice-tokeN' });
    expect(wrong.status).toBe(401);
    const ok = await admin('/lists/deny', { token: 'bob-token' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('lists', () => {
  it('rejects bad input naming the fields', async () => {
    const res = await admin('/lists/deny', {
      method: 'POST',
      token: 'alice-token',
      body: JSON.stringify({ key: 'k', principal: 'k_0011223344556677', ttl: 'soon' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; issues: Array<{ path: string[] }> } };
    expect(body.error.message).toMatch(/reason/);
    expect(body.error.issues.map((i) => i.path.join('.'))).toContain('ttl');
    expect((await admin('/lists/maybe', { method: 'POST', token: 'alice-token', body: '{}' })).status).toBe(400);
    expect((await admin('/lists/deny', { method: 'POST', token: 'alice-token', body: 'not json' })).status).toBe(400);
  });

  it('hashes a raw key on arrival, never stores it, records the operator, and acts on the next request', async () => {
    const add = await admin('/lists/deny', {
      method: 'POST',
      token: 'alice-token',
      body: JSON.stringify({ key: 'sk-ant-fraud-report', reason: 'fraud report #12', ttl: '7d' }),
    });
    expect(add.status).toBe(201);
    const { entry } = (await add.json()) as { entry: { principal: string; expiresAt: number } };
    expect(entry.principal).toMatch(/^k_[0-9a-f]{16}$/);
    const dump =
      JSON.stringify(await env.DB.prepare('SELECT * FROM list_entries').all()) +
      JSON.stringify(await env.DB.prepare('SELECT * FROM admin_audit').all());
    expect(dump).not.toContain('sk-ant-fraud-report');
    const audit = await env.DB.prepare('SELECT operator, action FROM admin_audit ORDER BY id DESC LIMIT 1').first<{
      operator: string;
      action: string;
    }>();
    expect(audit).toEqual({ operator: 'alice', action: 'lists.deny.add' });

    const blocked = await callGuard(
      new Request('http://localhost/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': 'sk-ant-fraud-report' },
        body: '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      }),
      TOKENS,
    );
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('x-guard-action')).toBe('block');

    const del = await admin('/lists/deny', {
      method: 'DELETE',
      token: 'alice-token',
      body: JSON.stringify({ key: 'sk-ant-fraud-report' }),
    });
    expect(del.status).toBe(200);
    const listed = (await (await admin('/lists/deny', { token: 'alice-token' })).json()) as { entries: unknown[] };
    expect(listed.entries).toHaveLength(0);
  });
});
