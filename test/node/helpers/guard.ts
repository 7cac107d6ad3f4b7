/** Start the guard Worker through wrangler's programmatic API (inspector off), as `npm run dev` would serve it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';

export interface RunningGuard {
  url: string;
  stop(): Promise<void>;
}

/**
 * `persist`: a state directory to keep across restarts; without one a temporary directory is made under
 * `tempRoot` and removed on stop. Migrations are applied first, as `npm run dev`'s predev step does.
 */
export async function startGuard(vars: Record<string, string> = {}, persist?: string, tempRoot = tmpdir()): Promise<RunningGuard> {
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const dir = persist ?? mkdtempSync(join(tempRoot, 'dg-state-'));
  const removeTemporary = () => {
    if (!persist) rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_LOG_PATH: join(dir, 'logs') },
    });
    // A generous state timeout unless the caller sets one: a loaded 2-core machine must not fail open.
    const all = { STATE_TIMEOUT_MS: '2000', ...vars };
    const bindings = Object.fromEntries(Object.entries(all).map(([k, value]) => [k, { type: 'plain_text' as const, value }]));
    const worker = await unstable_startWorker({
      config: 'wrangler.toml',
      bindings,
      dev: { inspector: false, server: { hostname: '127.0.0.1', port: 0 }, persist: dir, watch: false, logLevel: 'warn' },
    });
    await worker.ready;
    const url = (await worker.url).toString().replace(/\/$/, '');
    return {
      url,
      stop: async () => {
        await worker.dispose();
        removeTemporary();
      },
    };
  } catch (err) {
    removeTemporary();
    throw err;
  }
}
