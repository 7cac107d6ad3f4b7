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
              miniflare: { bindings: { TEST_MIGRATIONS: migrations, KEY_PEPPER: 'test-pepper' } },
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
