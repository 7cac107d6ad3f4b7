// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; declared here once.
declare namespace Cloudflare {
  interface Env {
    /** HMAC key for API-key and content hashes. Required in production. */
    KEY_PEPPER?: string;
    /** Bearer token for /admin; with neither this nor ADMIN_TOKENS, /admin answers 404. */
    ADMIN_TOKEN?: string;
    /** Named operator tokens: "alice:tok1,bob:tok2". */
    ADMIN_TOKENS?: string;
    /** Optional: where stop alerts are POSTed for the ban pipeline (see src/state/alert.ts). */
    ALERT_WEBHOOK_URL?: string;
    /** HMAC key that signs stop alerts; alerts are not sent without it. */
    ALERT_WEBHOOK_SECRET?: string;
    /** Optional: a header set by the lab's own auth layer that names the organization (trusted). */
    TRUSTED_ORG_HEADER?: string;
    /** Optional: requests a minute from which a principal whose key the origin accepted is mirrored in the isolate and observed in batches (default 6). */
    HOT_PER_MINUTE?: string;
    /** Optional: seconds a proof-of-work challenge may be solved in (default 300). */
    CHALLENGE_TTL_SECONDS?: string;
    /** Optional: seconds a solved challenge clears the key for (default 600). */
    CLEARANCE_SECONDS?: string;
    /** Optional: milliseconds from a principal's first unrecorded decision to its D1 flush; a pending stop waits at most 10 s (default 60000). */
    RECORD_FLUSH_MS?: string;
    /** Optional: milliseconds an answer's usage waits for the principal's next request before its own call (default 1000). */
    USAGE_FLUSH_MS?: string;
    /** Optional: milliseconds an isolate gathers cluster observations before one call per shard (default 1000). */
    CLUSTER_BATCH_MS?: string;
    /** Optional: milliseconds a quiet isolate may keep gathering cluster observations until it holds a full batch (default 10000; at least CLUSTER_BATCH_MS). */
    CLUSTER_BATCH_MAX_MS?: string;
    /** Optional: milliseconds a busy (mirrored) principal's requests gather in the isolate before one call to its object (default 250; at most 5000). */
    MIRROR_BATCH_MS?: string;
    /** Optional: milliseconds such a batch may stay open, a window at a time, while it holds fewer than 16 requests and no stop (default 2000; between MIRROR_BATCH_MS and 5000). */
    MIRROR_BATCH_MAX_MS?: string;
    /** Optional: a principal's object writes its record about once per this many milliseconds, a new standing decision or a redeemed challenge at once; 0 writes after every request (default 10000). */
    PERSIST_MS?: string;
    /** Optional: milliseconds between the mock origin's SSE events (default 0). */
    MOCK_STREAM_DELAY_MS?: string;
  }
}
