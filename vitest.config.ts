import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two projects: `workers` runs inside workerd with real bindings (DO, D1); `node` drives a real
// `wrangler` dev server over HTTP with the official SDKs, and runs the CLIs.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              // A generous state timeout: tests that exercise the timeout set their own; a 2-core CI machine
              // under load must not turn an ordinary call into a fail-open.
              // Decisions reach D1 when a test runs the alarm (runDurableObjectAlarm), never by wall time.
              // Usage is sent at once and records written after every request, so a test reads what it
              // just did; test/workers/state-calls.test.ts covers the deferred defaults explicitly. Cluster
              // observations leave after 250 ms, not 1 s, and neither a quiet cluster window nor a short mirrored
              // batch is held open for a fuller one: callGuard waits for a request's background work.
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  KEY_PEPPER: 'test-pepper',
                  STATE_TIMEOUT_MS: '2000',
                  RECORD_FLUSH_MS: '600000',
                  USAGE_FLUSH_MS: '1',
                  PERSIST_MS: '0',
                  CLUSTER_BATCH_MS: '250',
                  CLUSTER_BATCH_MAX_MS: '250',
                  MIRROR_BATCH_MAX_MS: '250',
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            testTimeout: 30_000,
            include: ['test/workers/**/*.test.ts'],
            setupFiles: ['./test/workers/apply-migrations.ts'],
          },
        },
        {
          test: {
            name: 'node',
            include: ['test/node/**/*.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  };
});
