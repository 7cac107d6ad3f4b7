/** The rule-set document: validated with zod, the same shape `GET /admin/rules` returns and `--rules` takes. */
import { z } from 'zod';
import { FEATURES } from '../signals';

export const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`bad duration ${JSON.stringify(text)}`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

const duration = z.string().regex(DURATION, 'a duration like "30s", "10m", "24h" or "7d"');

const featureName = z
  .string()
  .refine((name) => Object.hasOwn(FEATURES, name), { error: (issue) => `unknown feature ${JSON.stringify(issue.input)}` });

const comparison = z
  .object({
    feature: featureName,
    gte: z.number().optional(),
    gt: z.number().optional(),
    lte: z.number().optional(),
    lt: z.number().optional(),
    eq: z.number().optional(),
  })
  .strict()
  .refine((c) => ['gte', 'gt', 'lte', 'lt', 'eq'].some((k) => k in c), { message: 'a comparison needs one of gte, gt, lte, lt, eq' });

export type Condition = z.infer<typeof comparison> | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    comparison,
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

export const RULE_MODES = ['enforce', 'shadow', 'off'] as const;

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/, 'dotted lower-case id, e.g. "cot.share.high"'),
    description: z.string().min(1).max(500),
    mode: z.enum(RULE_MODES),
    tags: z.array(z.string().max(40)).max(10).default([]),
    when: conditionSchema,
    points: z.number().int().min(-100).max(200),
    /**
     * While this rule matches (in enforce), the action is at most this: e.g. a benchmark run may be
     * challenged but never blocked on content alone. Lists still apply.
     */
    cap: z.enum(['log', 'degrade', 'throttle', 'challenge']).optional(),
  })
  .strict();

export type Rule = z.infer<typeof ruleSchema>;

const ACTION_ENUM = z.enum(['allow', 'log', 'degrade', 'throttle', 'challenge', 'block']);
const STOP_ACTION = z.enum(['throttle', 'challenge', 'block']);
const CLUSTER_KIND = z.enum(['prefix', 'suffix', 'template', 'system', 'tools', 'shape', 'client', 'network']);

export const evaluatorSchema = z
  .object({
    thresholds: z
      .object({ log: z.number(), degrade: z.number(), throttle: z.number(), challenge: z.number(), block: z.number() })
      .strict()
      .refine((t) => t.log <= t.degrade && t.degrade <= t.throttle && t.throttle <= t.challenge && t.challenge <= t.block, {
        message: 'thresholds must not decrease: log <= degrade <= throttle <= challenge <= block',
      }),
    /** How long a stop stands once decided (the principal's later requests meet it without scoring). */
    ttl: z.object({ throttle: duration, challenge: duration, block: duration }).strict(),
    /** Degrade caps applied to forwarded requests scored in the degrade band. */
    degrade: z
      .object({ maxTokens: z.number().int().positive(), thinkingBudget: z.number().int().min(0), dropLogprobs: z.boolean() })
      .strict(),
    clusters: z
      .object({
        kinds: z.array(CLUSTER_KIND),
        /** Requests a principal needs before its own rules count as having judged it. */
        judgedAfter: z.number().int().min(1),
        minJudged: z.number().int().min(2),
        minStopped: z.number().int().min(1),
        stoppedShare: z.number().min(0).max(1),
        crowd: z
          .object({ minPrincipals: z.number().int().min(2), freshShare: z.number().min(0).max(1), suspectShare: z.number().min(0).max(1) })
          .strict(),
        action: STOP_ACTION,
        ttl: duration,
        /** A prompt frame must surround this many distinct templates to become a campaign. */
        frameMinTemplates: z.number().int().min(1),
        /** A whole-prompt template needs this mean request.cot to become a campaign. */
        textMinCot: z.number().min(0).max(1),
        /** Established (old, clean) principals sharing a cluster that veto its verdict. */
        vetoEstablished: z.number().int().min(1),
        /** A principal younger than this counts as new in its clusters. */
        freshAge: duration,
        /** A principal whose own would-score (0..1) reaches this counts as suspect in its clusters. */
        suspectScore: z.number().min(0).max(1),
        /** How often isolates (and the replay) refresh their copy of the verdict board. */
        boardRefresh: duration,
      })
      .strict(),
  })
  .strict();

export type Evaluator = z.infer<typeof evaluatorSchema>;
export type ActionName = z.infer<typeof ACTION_ENUM>;

export const ruleSetSchema = z
  .object({
    version: z.number().int().min(0),
    rules: z.array(ruleSchema).max(500),
    evaluator: evaluatorSchema,
  })
  .strict()
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
    });
  });

export type RuleSet = z.infer<typeof ruleSetSchema>;
