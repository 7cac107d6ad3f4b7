/**
 * D1 schema (drizzle). Durable records only: the hot path never writes here; Durable Objects buffer
 * rows and flush them in batches (see docs/storage.md for the whole keyspace). Times are epoch ms.
 * Nothing here holds a raw API key or prompt text: principals are HMAC hashes, clusters are keyed
 * hashes of features.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Every rule-set document ever made current; versions are immutable and only grow. */
export const ruleSetVersions = sqliteTable('rule_set_versions', {
  version: integer('version').primaryKey(),
  /** The whole rule-set document, JSON, as `GET /admin/rules` returns it. */
  document: text('document').notNull(),
  note: text('note'),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  /** For a rollback: the version whose document this one restores. */
  restoredFrom: integer('restored_from'),
});

/** Operator lists: allow (always forward), deny (always block), challenge (next request must solve one). */
export const listEntries = sqliteTable(
  'list_entries',
  {
    list: text('list', { enum: ['allow', 'deny', 'challenge'] }).notNull(),
    principal: text('principal').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
  },
  (t) => [primaryKey({ columns: [t.list, t.principal] })],
);

/** Decisions aggregated per principal, hour and action: bounded however large a campaign is. */
export const decisionsHourly = sqliteTable(
  'decisions_hourly',
  {
    principal: text('principal').notNull(),
    hour: integer('hour').notNull(),
    action: text('action').notNull(),
    wouldAction: text('would_action').notNull(),
    rulesVersion: integer('rules_version').notNull(),
    count: integer('count').notNull(),
    maxScore: real('max_score').notNull(),
    /** JSON array of the most frequent reason codes in this bucket, most frequent first. */
    topReasons: text('top_reasons').notNull(),
    lastTs: integer('last_ts').notNull(),
    /**
     * JSON feature map (numbers only: no text) of the bucket's highest-scoring request, so a backtest can
     * score a candidate rule set on what was seen.
     */
    features: text('features'),
  },
  (t) => [
    primaryKey({ columns: [t.principal, t.hour, t.action, t.wouldAction, t.rulesVersion] }),
    index('decisions_hourly_hour').on(t.hour),
    index('decisions_hourly_action_hour').on(t.action, t.hour),
  ],
);

/** One row per principal ever seen: the summary an operator and the ban pipeline read. */
export const principals = sqliteTable(
  'principals',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['org', 'key', 'user'] }).notNull(),
    org: text('org'),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
    requests: integer('requests').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    action: text('action').notNull(),
    actionUntil: integer('action_until'),
    /** JSON array of reason codes behind the current action. */
    reasons: text('reasons').notNull(),
    /** When the principal was first stopped (block/challenge/throttle), for the ban feed's cursor. */
    stoppedAt: integer('stopped_at'),
    /**
     * The number of the last flush of this principal's object that landed: a restarted object adds the
     * decisions it finds stored only if their flush did not (src/state/recorder.ts). Null before any.
     */
    flushSeq: integer('flush_seq'),
  },
  (t) => [index('principals_stopped_at').on(t.stoppedAt), index('principals_last_seen').on(t.lastSeen)],
);

/** Shared fingerprints seen across principals, with their campaign verdict. */
export const clusters = sqliteTable(
  'clusters',
  {
    key: text('key').primaryKey(),
    kind: text('kind').notNull(),
    distinctPrincipals: integer('distinct_principals').notNull(),
    requests: integer('requests').notNull(),
    newPrincipals: integer('new_principals').notNull(),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
    verdict: text('verdict'),
    verdictUntil: integer('verdict_until'),
    reasons: text('reasons').notNull(),
  },
  (t) => [index('clusters_distinct').on(t.distinctPrincipals), index('clusters_last_seen').on(t.lastSeen)],
);

/** Every operator change, with who made it. */
export const adminAudit = sqliteTable(
  'admin_audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ts: integer('ts').notNull(),
    operator: text('operator').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    detail: text('detail').notNull(),
  },
  (t) => [index('admin_audit_ts').on(t.ts)],
);

/** Faults the guard absorbed (state timeouts, D1 errors), counted per hour and kind. */
export const faultsHourly = sqliteTable(
  'faults_hourly',
  {
    hour: integer('hour').notNull(),
    kind: text('kind').notNull(),
    count: integer('count').notNull(),
    lastMessage: text('last_message').notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.kind] })],
);
