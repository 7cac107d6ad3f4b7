/** Typed, validated view of the Worker's vars. Parsed once per isolate per env object. */

export type GuardMode = 'enforce' | 'shadow' | 'off';
export type FailMode = 'open' | 'closed';

export interface GuardConfig {
  /** `null` when unset: the guard refuses to forward rather than guess. */
  originUrl: string | null;
  mode: GuardMode;
  failMode: FailMode;
  maxBodyBytes: number;
  inspectBytes: number;
  stateTimeoutMs: number;
  retentionDays: number;
  /** Pause between the mock origin's SSE events, to make streaming visible locally. */
  mockStreamDelayMs: number;
  /** Requests a minute from which a clean principal is served from isolate cache and observed in batches. */
  hotPerMinute: number;
  /** How long a challenge may be solved, and how long a solved one clears the key. */
  challengeTtlMs: number;
  clearanceMs: number;
  /** Delay between a principal's first unrecorded decision and its D1 flush (the dashboard's lag); stops wait at most 10 s. */
  recordFlushMs: number;
  /** How long an answer's usage waits in the isolate for the principal's next request before its own call. */
  usageFlushMs: number;
  /** How long an isolate gathers cluster observations before one call per shard. */
  clusterBatchMs: number;
  /**
   * How long a quiet isolate may keep gathering them, a window at a time, until it holds a full batch
   * (src/guard/cluster-queue.ts); never less than `clusterBatchMs`.
   */
  clusterBatchMaxMs: number;
  /** How long a mirrored principal's requests gather in the isolate before one call to its object. */
  mirrorBatchMs: number;
  /**
   * How long such a batch may stay open, a window at a time, while it is short and holds no stop
   * (src/guard/mirror.ts); between `mirrorBatchMs` and MIRROR_BATCH_LIMIT_MS.
   */
  mirrorBatchMaxMs: number;
  /**
   * A principal's object writes its record about once per this many ms (75–125% of it), and at once for a
   * new standing decision or a redeemed challenge (0: after every request).
   */
  persistMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

function integer(name: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name}=${JSON.stringify(value)} must be an integer >= ${min}`);
  if (n > max) throw new ConfigError(`${name}=${JSON.stringify(value)} must be <= ${max}`);
  return n;
}

function originUrl(value: string | undefined): string | null {
  const v = value?.trim();
  if (!v) return null;
  if (v === 'mock') return 'mock';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`ORIGIN_URL=${JSON.stringify(v)} is not a URL (or "mock")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('ORIGIN_URL must be http(s)');
  return url.toString().replace(/\/+$/, '');
}

/**
 * A mirror lapses 10 s after its object's last answer (MIRROR_TTL_MS): a batch held longer than half of
 * that would let a steady key's copy lapse between answers.
 */
export const MIRROR_BATCH_LIMIT_MS = 5_000;

const cache = new WeakMap<object, GuardConfig>();

export function readConfig(env: Cloudflare.Env): GuardConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const clusterBatchMs = integer('CLUSTER_BATCH_MS', env.CLUSTER_BATCH_MS, 1_000, 0);
  const mirrorBatchMs = integer('MIRROR_BATCH_MS', env.MIRROR_BATCH_MS, 250, 0, MIRROR_BATCH_LIMIT_MS);
  const config: GuardConfig = {
    originUrl: originUrl(env.ORIGIN_URL),
    mode: oneOf('GUARD_MODE', env.GUARD_MODE, ['enforce', 'shadow', 'off'] as const, 'enforce'),
    failMode: oneOf('FAIL_MODE', env.FAIL_MODE, ['open', 'closed'] as const, 'open'),
    maxBodyBytes: integer('MAX_BODY_BYTES', env.MAX_BODY_BYTES, 32 * 1024 * 1024),
    inspectBytes: integer('INSPECT_BYTES', env.INSPECT_BYTES, 1024 * 1024),
    stateTimeoutMs: integer('STATE_TIMEOUT_MS', env.STATE_TIMEOUT_MS, 50),
    retentionDays: integer('RETENTION_DAYS', env.RETENTION_DAYS, 30),
    mockStreamDelayMs: integer('MOCK_STREAM_DELAY_MS', env.MOCK_STREAM_DELAY_MS, 0, 0),
    hotPerMinute: integer('HOT_PER_MINUTE', env.HOT_PER_MINUTE, 6),
    challengeTtlMs: integer('CHALLENGE_TTL_SECONDS', env.CHALLENGE_TTL_SECONDS, 300) * 1000,
    clearanceMs: integer('CLEARANCE_SECONDS', env.CLEARANCE_SECONDS, 600) * 1000,
    recordFlushMs: integer('RECORD_FLUSH_MS', env.RECORD_FLUSH_MS, 60_000),
    usageFlushMs: integer('USAGE_FLUSH_MS', env.USAGE_FLUSH_MS, 1_000),
    clusterBatchMs,
    clusterBatchMaxMs: Math.max(integer('CLUSTER_BATCH_MAX_MS', env.CLUSTER_BATCH_MAX_MS, 10_000, 0), clusterBatchMs),
    mirrorBatchMs,
    mirrorBatchMaxMs: Math.max(integer('MIRROR_BATCH_MAX_MS', env.MIRROR_BATCH_MAX_MS, 2_000, 0, MIRROR_BATCH_LIMIT_MS), mirrorBatchMs),
    persistMs: integer('PERSIST_MS', env.PERSIST_MS, 10_000, 0),
  };
  cache.set(env, config);
  return config;
}
