/** Query-string schemas shared by the read-only admin views (validated with zod, documented in OpenAPI). */
import { z } from 'zod';
import { ACTIONS } from '../engine/types';

/** Epoch milliseconds or an ISO 8601 date. */
export const time = z
  .string()
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'epoch milliseconds or an ISO 8601 date' });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'epoch milliseconds or an ISO 8601 date', example: '2026-11-27T00:00:00Z' });

export const principalId = z
  .string()
  .regex(/^(?:[a-z]+_[0-9a-f]{8,64}|unverified)$/, 'a principal id such as k_0123456789abcdef')
  .meta({ description: 'a principal id: k_ (API key), o_ (organization), u_ (end user), anon_ (no key)' });

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const decisionsQuery = z
  .object({
    principal: principalId.optional(),
    action: z.enum(ACTIONS as [string, ...string[]]).optional(),
    since: time.optional(),
    limit: limit(1000, 100),
  })
  .strict();

export const auditQuery = z.object({ since: time.optional(), limit: limit(1000, 100) }).strict();

export const clustersQuery = z
  .object({ limit: limit(500, 50), verdict: z.enum(['any', 'only']).default('any') })
  .strict()
  .meta({ description: 'verdict=only lists clusters with a campaign verdict' });

/** The feed's cursor is `<stopped_at>:<principal>` from the previous page (or epoch ms / ISO date). */
export const feedQuery = z.object({ since: z.string().max(200).optional(), limit: limit(1000, 100) }).strict();

export const statsQuery = z.object({ hours: limit(24 * 30, 24) }).strict();

/** A JSON column read back (D1 text), or the fallback when it is empty or unreadable. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
