/**
 * Operator authentication for /admin: `Authorization: Bearer <token>` against ADMIN_TOKEN or the named
 * tokens in ADMIN_TOKENS (`name:token,...`), compared in constant time. No token configured: the route
 * does not exist (404). Repeated failures from one address are throttled.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { sha256 } from '../engine/hash/sha256';

/** Constant time over the digests, so neither content nor length leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const x = sha256(a);
  const y = sha256(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}

export function operatorTokens(env: Cloudflare.Env): Array<{ name: string; token: string }> {
  const out: Array<{ name: string; token: string }> = [];
  if (env.ADMIN_TOKEN) out.push({ name: 'admin', token: env.ADMIN_TOKEN });
  for (const pair of (env.ADMIN_TOKENS ?? '').split(',')) {
    const i = pair.indexOf(':');
    if (i > 0 && i < pair.length - 1) out.push({ name: pair.slice(0, i).trim(), token: pair.slice(i + 1).trim() });
  }
  return out;
}

const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURES = 10;
const failures = new Map<string, { count: number; since: number }>();

export function adminAuth(): MiddlewareHandler<AppEnv & { Variables: { operator: string } }> {
  return async function requireOperator(c, next) {
    const tokens = operatorTokens(c.env);
    if (tokens.length === 0) return c.json({ error: { message: 'Not found' } }, 404);
    const who = c.req.header('cf-connecting-ip') ?? 'local';
    const now = Date.now();
    const f = failures.get(who);
    if (f && now - f.since < FAILURE_WINDOW_MS && f.count >= MAX_FAILURES) {
      return c.json({ error: { message: 'Too many failed attempts; try again in a minute.' } }, 429, { 'retry-after': '60' });
    }
    const sent =
      c.req
        .header('authorization')
        ?.match(/^Bearer\s+(.+)$/i)?.[1]
        ?.trim() ?? '';
    let operator: string | null = null;
    for (const t of tokens) if (sameSecret(sent, t.token) && operator === null) operator = t.name;
    if (!operator) {
      const entry = f && now - f.since < FAILURE_WINDOW_MS ? f : { count: 0, since: now };
      entry.count++;
      failures.set(who, entry);
      if (failures.size > 10_000) failures.clear();
      return c.json({ error: { message: 'A valid operator token is required (Authorization: Bearer ...).' } }, 401);
    }
    c.set('operator', operator);
    await next();
  };
}
