/** Start the guard Worker through wrangler's programmatic API (inspector off), as `npm run dev` would serve it. */
import { unstable_startWorker } from 'wrangler';

export interface RunningGuard {
  url: string;
  stop(): Promise<void>;
}

export async function startGuard(vars: Record<string, string> = {}, persist: string | false = false): Promise<RunningGuard> {
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const bindings = Object.fromEntries(Object.entries(vars).map(([k, value]) => [k, { type: 'plain_text' as const, value }]));
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    bindings,
    dev: { inspector: false, server: { hostname: '127.0.0.1', port: 0 }, persist, watch: false, logLevel: 'warn' },
  });
  await worker.ready;
  const url = (await worker.url).toString().replace(/\/$/, '');
  return { url, stop: () => worker.dispose() };
}
