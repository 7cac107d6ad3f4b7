/** /admin/lists/allow|deny|challenge: operator exceptions, keyed by principal (raw keys hashed on arrival). */
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app';
import { database } from '../db/client';
import { adminAudit, listEntries } from '../db/schema';
import { DEV_PEPPER } from '../engine/dev-pepper';
import { engineKeys } from '../engine/fingerprint';
import { keyHashOf } from '../engine/fingerprint/identity';
import { DURATION, durationMs } from '../engine/rules/schema';
import { isolateCaches } from '../guard/caches';
import { badRequest } from './errors';

const LIST = z.enum(['allow', 'deny', 'challenge']);
export const listTarget = z
  .object({
    key: z.string().min(1).max(500).optional(),
    principal: z
      .string()
      .regex(/^[a-z]+_[0-9a-f]{8,32}$/, 'a principal id such as k_0123456789abcdef')
      .optional(),
  })
  .refine((t) => (t.key === undefined) !== (t.principal === undefined), { message: 'give exactly one of "key" or "principal"' });
export const listAddBody = listTarget.and(
  z.object({ reason: z.string().min(1).max(500), ttl: z.string().regex(DURATION, 'a duration like "1h" or "7d"').optional() }),
);

type Env = AppEnv & { Variables: { operator: string } };

/** The principal a list entry names: a raw key is hashed here and never stored. */
function principalOf(env: Cloudflare.Env, t: { key?: string; principal?: string }): string {
  if (t.principal) return t.principal;
  return keyHashOf(engineKeys(env.KEY_PEPPER ?? DEV_PEPPER), t.key as string);
}

export function listsRoutes(): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/:list', async (c) => {
    const list = LIST.safeParse(c.req.param('list'));
    if (!list.success) return c.json(badRequest(list.error.issues), 400);
    const now = Date.now();
    const rows = await database(c.env.DB)
      .select()
      .from(listEntries)
      .where(and(eq(listEntries.list, list.data), or(isNull(listEntries.expiresAt), gt(listEntries.expiresAt, now))));
    return c.json({ entries: rows });
  });

  app.post('/:list', async (c) => {
    const list = LIST.safeParse(c.req.param('list'));
    if (!list.success) return c.json(badRequest(list.error.issues), 400);
    const body = listAddBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const now = Date.now();
    const principal = principalOf(c.env, body.data);
    const row = {
      list: list.data,
      principal,
      reason: body.data.reason,
      createdBy: c.get('operator'),
      createdAt: now,
      expiresAt: body.data.ttl ? now + durationMs(body.data.ttl) : null,
    };
    const db = database(c.env.DB);
    await db.batch([
      db
        .insert(listEntries)
        .values(row)
        .onConflictDoUpdate({ target: [listEntries.list, listEntries.principal], set: row }),
      db.insert(adminAudit).values({
        ts: now,
        operator: c.get('operator'),
        action: `lists.${list.data}.add`,
        target: principal,
        detail: JSON.stringify({ reason: row.reason, expiresAt: row.expiresAt }),
      }),
    ]);
    isolateCaches.invalidate();
    return c.json({ entry: row }, 201);
  });

  app.delete('/:list', async (c) => {
    const list = LIST.safeParse(c.req.param('list'));
    if (!list.success) return c.json(badRequest(list.error.issues), 400);
    const body = listTarget.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const principal = principalOf(c.env, body.data);
    const db = database(c.env.DB);
    await db.batch([
      db.delete(listEntries).where(and(eq(listEntries.list, list.data), eq(listEntries.principal, principal))),
      db
        .insert(adminAudit)
        .values({ ts: Date.now(), operator: c.get('operator'), action: `lists.${list.data}.remove`, target: principal, detail: '{}' }),
    ]);
    isolateCaches.invalidate();
    return c.json({ removed: principal });
  });

  return app;
}
