/**
 * POST /admin/backtest: score a candidate rule set (a document or a saved version) over the stored
 * decision records of a time range and compare with what was decided, so an operator sees what a change
 * costs before enforcing it. The scoring itself is the engine's (src/engine/backtest.ts).
 */
import { and, gte, lte } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app';
import { now as clockNow } from '../clock';
import { database } from '../db/client';
import { decisionsHourly } from '../db/schema';
import { backtest, type StoredBucket } from '../engine/backtest';
import { type CompiledRuleSet, compileRuleSet, RuleSetError } from '../engine/rules/compile';
import type { FeatureMap } from '../engine/signals';
import type { Action } from '../engine/types';
import { rulesForVersion } from '../state/rules-cache';
import { badRequest } from './errors';
import { parseJson, time } from './query';

type Env = AppEnv & { Variables: { operator: string } };
const HOUR = 3_600_000;
/** Stored buckets read at most: a backtest answers in one request, however large the range. */
export const BACKTEST_MAX_BUCKETS = 50_000;

export const backtestBody = z
  .object({
    rules: z.record(z.string(), z.unknown()).optional().meta({ description: 'a whole rule-set document, as GET /admin/rules returns' }),
    version: z.number().int().min(0).optional().meta({ description: 'a saved rule-set version instead of a document' }),
    from: z.union([time, z.number().int()]).optional(),
    to: z.union([time, z.number().int()]).optional(),
  })
  .strict()
  .refine((b) => (b.rules === undefined) !== (b.version === undefined), { message: 'give exactly one of "rules" or "version"' });

export function backtestRoutes(): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/', async (c) => {
    const body = backtestBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const now = clockNow();
    const to = body.data.to ?? now;
    const from = body.data.from ?? to - 24 * HOUR;
    if (from > to) return c.json(badRequest([{ path: ['from'], message: '"from" is after "to"' }]), 400);

    let rules: CompiledRuleSet;
    try {
      rules = body.data.rules ? compileRuleSet(body.data.rules) : await rulesForVersion(c.env.DB, body.data.version as number);
    } catch (err) {
      if (err instanceof RuleSetError)
        return c.json(
          {
            error: {
              message: err.message,
              issues: err.issues.map((i) => ({ path: ['rules', ...i.path.map(String)], message: i.message })),
            },
          },
          400,
        );
      return c.json(badRequest([{ path: ['version'], message: `no version ${body.data.version}` }]), 400);
    }

    const d = decisionsHourly;
    const rows = await database(c.env.DB)
      .select({
        principal: d.principal,
        ts: d.lastTs,
        action: d.action,
        wouldAction: d.wouldAction,
        count: d.count,
        reasons: d.topReasons,
        features: d.features,
      })
      .from(d)
      .where(and(gte(d.hour, Math.floor(from / HOUR) * HOUR), lte(d.hour, to), gte(d.lastTs, from), lte(d.lastTs, to)))
      .limit(BACKTEST_MAX_BUCKETS + 1);
    const truncated = rows.length > BACKTEST_MAX_BUCKETS;
    const stored: StoredBucket[] = rows.slice(0, BACKTEST_MAX_BUCKETS).map((r) => ({
      principal: r.principal,
      ts: r.ts,
      action: r.action as Action,
      wouldAction: r.wouldAction as Action,
      count: r.count,
      reasons: parseJson<string[]>(r.reasons, []),
      features: parseJson<FeatureMap | null>(r.features, null),
    }));
    return c.json({ from, to, rules_version: body.data.rules ? null : rules.version, truncated, ...backtest(stored, rules) });
  });
  return app;
}
