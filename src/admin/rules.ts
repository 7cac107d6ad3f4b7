/**
 * /admin/rules: the rule set as data. Every change makes a new immutable version in D1 (with a note and
 * the operator's name) and is live in this isolate at once, everywhere within CONFIG_TTL_MS.
 */
import { desc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app';
import { database } from '../db/client';
import { adminAudit, ruleSetVersions } from '../db/schema';
import { compileRuleSet, RuleSetError } from '../engine/rules/compile';
import { DEFAULT_RULE_SET } from '../engine/rules/defaults';
import { evaluatorSchema, type Rule, type RuleSet, ruleSchema } from '../engine/rules/schema';
import { isolateCaches } from '../guard/caches';
import { badRequest } from './errors';

type Env = AppEnv & { Variables: { operator: string } };

const note = z.string().max(500).optional();
export const createRuleBody = z.object({ rule: ruleSchema, note });
/** PUT /admin/rules/:id: the rule (its id may be left out), with an optional note. */
export const replaceRuleBody = ruleSchema.and(z.object({ note }));
export const rollbackBody = z.object({ version: z.number().int().min(0), note });
export const evaluatorBody = z.object({ evaluator: evaluatorSchema, note });

/** The current document: the newest saved version, or the shipped defaults as version 0. */
async function current(db: D1Database): Promise<RuleSet> {
  const row = await database(db).select().from(ruleSetVersions).orderBy(desc(ruleSetVersions.version)).limit(1).get();
  return row ? (JSON.parse(row.document) as RuleSet) : { ...structuredClone(DEFAULT_RULE_SET), version: 0 };
}

/** Validate a whole new document and save it as the next version. */
async function save(
  c: { env: Cloudflare.Env; get(k: 'operator'): string },
  doc: RuleSet,
  action: string,
  target: string | null,
  text?: string,
  restoredFrom?: number,
) {
  compileRuleSet(doc); // throws RuleSetError naming the bad fields
  const now = Date.now();
  const db = database(c.env.DB);
  await db.batch([
    db.insert(ruleSetVersions).values({
      version: doc.version,
      document: JSON.stringify(doc),
      note: text ?? null,
      createdBy: c.get('operator'),
      createdAt: now,
      restoredFrom: restoredFrom ?? null,
    }),
    db.insert(adminAudit).values({
      ts: now,
      operator: c.get('operator'),
      action,
      target,
      detail: JSON.stringify({ version: doc.version, note: text ?? null }),
    }),
  ]);
  isolateCaches.invalidate();
  return doc;
}

function invalid(err: unknown) {
  if (err instanceof RuleSetError)
    return { error: { message: err.message, issues: err.issues.map((i) => ({ path: i.path.map(String), message: i.message })) } };
  throw err;
}

export function rulesRoutes(): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/', async (c) => c.json(await current(c.env.DB)));

  app.get('/history', async (c) => {
    const rows = await database(c.env.DB)
      .select({
        version: ruleSetVersions.version,
        note: ruleSetVersions.note,
        createdBy: ruleSetVersions.createdBy,
        createdAt: ruleSetVersions.createdAt,
        restoredFrom: ruleSetVersions.restoredFrom,
      })
      .from(ruleSetVersions)
      .orderBy(desc(ruleSetVersions.version))
      .limit(200);
    return c.json({ versions: rows });
  });

  app.post('/', async (c) => {
    const body = createRuleBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const doc = await current(c.env.DB);
    if (doc.rules.some((r) => r.id === body.data.rule.id))
      return c.json(badRequest([{ path: ['rule', 'id'], message: `rule "${body.data.rule.id}" already exists` }]), 400);
    try {
      const next = await save(
        c,
        { ...doc, version: doc.version + 1, rules: [...doc.rules, body.data.rule] },
        'rules.create',
        body.data.rule.id,
        body.data.note,
      );
      return c.json({ version: next.version, rule: body.data.rule }, 201);
    } catch (err) {
      return c.json(invalid(err), 400);
    }
  });

  app.put('/:id', async (c) => {
    const id = c.req.param('id');
    const raw = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const body = replaceRuleBody.safeParse(raw && typeof raw === 'object' ? { id, ...raw } : raw);
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    if (body.data.id !== id) return c.json(badRequest([{ path: ['id'], message: `the body's id "${body.data.id}" is not "${id}"` }]), 400);
    const doc = await current(c.env.DB);
    const index = doc.rules.findIndex((r) => r.id === id);
    if (index < 0) return c.json({ error: { message: `no rule "${id}"` } }, 404);
    const { note: text, ...rule } = body.data;
    const rules = doc.rules.map((r, i) => (i === index ? (rule as Rule) : r));
    try {
      const next = await save(c, { ...doc, version: doc.version + 1, rules }, 'rules.replace', id, text);
      return c.json({ version: next.version, rule });
    } catch (err) {
      return c.json(invalid(err), 400);
    }
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    const doc = await current(c.env.DB);
    if (!doc.rules.some((r) => r.id === id)) return c.json({ error: { message: `no rule "${id}"` } }, 404);
    const next = await save(c, { ...doc, version: doc.version + 1, rules: doc.rules.filter((r) => r.id !== id) }, 'rules.delete', id);
    return c.json({ version: next.version, deleted: id });
  });

  app.post('/rollback', async (c) => {
    const body = rollbackBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const doc = await current(c.env.DB);
    let target: RuleSet | undefined;
    if (body.data.version === 0) target = structuredClone(DEFAULT_RULE_SET);
    else {
      const row = await database(c.env.DB).select().from(ruleSetVersions).where(eq(ruleSetVersions.version, body.data.version)).get();
      target = row ? (JSON.parse(row.document) as RuleSet) : undefined;
    }
    if (!target) return c.json(badRequest([{ path: ['version'], message: `no version ${body.data.version}` }]), 400);
    const next = await save(
      c,
      { ...target, version: doc.version + 1 },
      'rules.rollback',
      String(body.data.version),
      body.data.note,
      body.data.version,
    );
    return c.json({ version: next.version, restoredFrom: body.data.version });
  });

  return app;
}

export function evaluatorRoutes(): Hono<Env> {
  const app = new Hono<Env>();
  app.put('/', async (c) => {
    const body = evaluatorBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(badRequest(body.error.issues), 400);
    const doc = await current(c.env.DB);
    try {
      const next = await save(
        c,
        { ...doc, version: doc.version + 1, evaluator: body.data.evaluator },
        'evaluator.replace',
        null,
        body.data.note,
      );
      return c.json({ version: next.version, evaluator: next.evaluator });
    } catch (err) {
      return c.json(invalid(err), 400);
    }
  });
  return app;
}
