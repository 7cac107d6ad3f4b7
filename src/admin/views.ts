/**
 * Read-only operator views: decisions, principals, clusters, the ban feed, traffic stats and the audit
 * trail. Decisions come from D1 (flushed by each principal's alarm, so up to ~10 s behind); a principal's
 * live counters come from its Durable Object; clusters come from the verdict board.
 */
import { and, desc, eq, gt, gte, or, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../app';
import { now as clockNow } from '../clock';
import { database } from '../db/client';
import { adminAudit, decisionsHourly, principals } from '../db/schema';
import { scoreRules } from '../engine/decide';
import type { FeatureMap } from '../engine/signals';
import { sumOf } from '../engine/state/window';
import { principalStub } from '../guard/principal-calls';
import { stateCalls } from '../isolate-stats';
import { boardStub } from '../state/board-state';
import { currentRulesVersion, rulesForVersion } from '../state/rules-cache';
import { badRequest } from './errors';
import { auditQuery, clustersQuery, decisionsQuery, feedQuery, parseJson, principalId, statsQuery } from './query';

type Env = AppEnv & { Variables: { operator: string } };
const HOUR = 3_600_000;

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>) {
  return schema.safeParse(query) as z.ZodSafeParseResult<z.output<T>>;
}

export function viewRoutes(): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/decisions', async (c) => {
    const q = parseQuery(decisionsQuery, c.req.query());
    if (!q.success) return c.json(badRequest(q.error.issues), 400);
    const { principal, action, since, limit } = q.data;
    const d = decisionsHourly;
    const where = and(
      principal ? eq(d.principal, principal) : undefined,
      action ? eq(d.action, action) : undefined,
      // The hour bound lets SQLite use the (action, hour) and hour indexes.
      since !== undefined ? and(gte(d.hour, Math.floor(since / HOUR) * HOUR), gte(d.lastTs, since)) : undefined,
    );
    const rows = await database(c.env.DB).select().from(d).where(where).orderBy(desc(d.lastTs)).limit(limit);
    return c.json({
      decisions: rows.map((r) => ({
        ts: r.lastTs,
        hour: r.hour,
        principal: r.principal,
        action: r.action,
        would_action: r.wouldAction,
        score: r.maxScore,
        reasons: parseJson<string[]>(r.topReasons, []),
        rules_version: r.rulesVersion,
        count: r.count,
      })),
    });
  });

  app.get('/principals/:id', async (c) => {
    const id = principalId.safeParse(c.req.param('id'));
    if (!id.success) return c.json(badRequest(id.error.issues.map((i) => ({ ...i, path: ['id'] }))), 400);
    const db = database(c.env.DB);
    const [row, latest] = await Promise.all([
      db.select().from(principals).where(eq(principals.id, id.data)).get(),
      db
        .select({ features: decisionsHourly.features, ts: decisionsHourly.lastTs })
        .from(decisionsHourly)
        .where(and(eq(decisionsHourly.principal, id.data), sql`${decisionsHourly.features} is not null`))
        .orderBy(desc(decisionsHourly.lastTs))
        .limit(1)
        .get(),
    ]);
    const stub = principalStub(c.env, id.data);
    const record = await stub.snapshot();
    if (!row && !record) return c.json({ error: { message: `no principal "${id.data}"` } }, 404);
    const now = clockNow();
    const rules = await rulesForVersion(c.env.DB, await currentRulesVersion(c.env.DB));
    const standing = record?.standing && record.standing.until > now ? record.standing : null;
    // The latest sampled request scored under the current rules: what each rule adds today.
    const sample = latest ? parseJson<FeatureMap | null>(latest.features, null) : null;
    const score = sample ? scoreRules(rules, sample) : null;
    return c.json({
      id: id.data,
      summary: row ? summaryOf(row) : null,
      counters: record
        ? {
            total: record.total,
            last_minute: sumOf(record.reqMin, now),
            last_hour: sumOf(record.reqHour, now),
            last_day: sumOf(record.reqDay, now),
            output_tokens: record.outputTokens,
            output_tokens_day: sumOf(record.outDay, now),
            first_seen: record.firstSeen,
            last_seen: record.lastSeen,
            shares: {
              cot: record.cot,
              format: record.format,
              single_turn: record.singleTurn,
              reasoning: record.reasoning,
              logprob: record.logprob,
              near_duplicate: record.nearDup,
              big_ask: record.bigAsk,
            },
            stops: record.stops,
            challenges_passed: record.challengesPassed,
            cleared_until: record.clearedUntil || null,
          }
        : null,
      action: standing
        ? { action: standing.action, until: standing.until, since: standing.since, reasons: standing.reasons }
        : { action: 'allow' },
      standing_points: standing?.points ?? {},
      score: score
        ? {
            rules_version: rules.version,
            sampled_at: latest?.ts ?? null,
            enforced_points: score.total,
            would_points: score.wouldTotal,
            thresholds: rules.thresholds,
            by_rule: score.contributions.map(([rule, points, enforced]) => ({ rule, points, enforced })),
          }
        : null,
    });
  });

  app.get('/clusters', async (c) => {
    const q = parseQuery(clustersQuery, c.req.query());
    if (!q.success) return c.json(badRequest(q.error.issues), 400);
    const board = await boardStub(c.env).snapshot();
    const now = clockNow();
    const entries = (board?.entries ?? [])
      .filter((e) => q.data.verdict === 'any' || (e.verdict && e.verdict.until > now))
      .sort((a, b) => b.stats.principals - a.stats.principals || (b.requests ?? 0) - (a.requests ?? 0))
      .slice(0, q.data.limit);
    return c.json({
      board_version: board?.version ?? 0,
      clusters: entries.map((e) => ({
        key: e.key,
        kind: e.kind,
        principals: e.stats.principals,
        requests: e.requests ?? null,
        fresh: e.stats.fresh,
        suspects: e.stats.suspects,
        stopped: e.stats.stopped,
        established: e.stats.established,
        last_seen: e.lastSeen ?? null,
        verdict: e.verdict && e.verdict.until > now ? e.verdict : null,
      })),
    });
  });

  app.get('/feed', async (c) => {
    const q = parseQuery(feedQuery, c.req.query());
    if (!q.success) return c.json(badRequest(q.error.issues), 400);
    const cursor = parseCursor(q.data.since);
    if (!cursor) return c.json(badRequest([{ path: ['since'], message: 'a cursor from a previous page, epoch ms or an ISO date' }]), 400);
    const p = principals;
    const rows = await database(c.env.DB)
      .select()
      .from(p)
      .where(or(gt(p.stoppedAt, cursor.ts), and(eq(p.stoppedAt, cursor.ts), gt(p.id, cursor.id))))
      .orderBy(p.stoppedAt, p.id)
      .limit(q.data.limit);
    const last = rows.at(-1);
    return c.json({
      principals: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        org: r.org,
        stopped_at: r.stoppedAt,
        action: r.action,
        action_until: r.actionUntil,
        reasons: parseJson<string[]>(r.reasons, []),
        requests: r.requests,
        first_seen: r.firstSeen,
        last_seen: r.lastSeen,
      })),
      cursor: last ? `${last.stoppedAt}:${last.id}` : (q.data.since ?? '0'),
    });
  });

  app.get('/stats', async (c) => {
    const q = parseQuery(statsQuery, c.req.query());
    if (!q.success) return c.json(badRequest(q.error.issues), 400);
    const from = Math.floor(clockNow() / HOUR) * HOUR - (q.data.hours - 1) * HOUR;
    const d = decisionsHourly;
    const rows = await database(c.env.DB)
      .select({ hour: d.hour, action: d.action, would: d.wouldAction, requests: sql<number>`sum(${d.count})` })
      .from(d)
      .where(gte(d.hour, from))
      .groupBy(d.hour, d.action, d.wouldAction)
      .orderBy(d.hour);
    return c.json({
      from,
      hours: q.data.hours,
      rows: rows.map((r) => ({ hour: r.hour, action: r.action, would_action: r.would, requests: r.requests })),
      // This isolate only, since it started: Durable Object calls per guarded request, by kind.
      isolate: { ...stateCalls },
    });
  });

  app.get('/audit', async (c) => {
    const q = parseQuery(auditQuery, c.req.query());
    if (!q.success) return c.json(badRequest(q.error.issues), 400);
    const a = adminAudit;
    const rows = await database(c.env.DB)
      .select()
      .from(a)
      .where(q.data.since !== undefined ? gte(a.ts, q.data.since) : undefined)
      .orderBy(desc(a.id))
      .limit(q.data.limit);
    return c.json({ entries: rows.map((r) => ({ ...r, detail: parseJson<unknown>(r.detail, r.detail) })) });
  });

  return app;
}

/** A principal's D1 row as the API shows it: reasons parsed; the flush bookkeeping (`flush_seq`) left out. */
function summaryOf(row: typeof principals.$inferSelect) {
  const { flushSeq: _bookkeeping, ...summary } = row;
  return { ...summary, reasons: parseJson<string[]>(row.reasons, []) };
}

/** `<ms>:<principal>` from a previous page, or a bare time (everything stopped after it). */
function parseCursor(since: string | undefined): { ts: number; id: string } | null {
  if (since === undefined || since === '') return { ts: 0, id: '' };
  const m = /^(\d+):([a-z]+_[0-9a-f]+)$/.exec(since);
  if (m) return { ts: Number(m[1]), id: m[2] as string };
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
  return Number.isFinite(ms) ? { ts: ms, id: '' } : null;
}
