/** The Hono app: /admin for operators, everything else through the guard to the origin. */
import { Hono } from 'hono';
import { apiErrorFor } from './actions/errors';
import { adminAuth, operatorTokens } from './admin/auth';
import { backtestRoutes } from './admin/backtest';
import { dashboard } from './admin/dashboard';
import { listsRoutes } from './admin/lists';
import { openApiDocument } from './admin/openapi';
import { evaluatorRoutes, rulesRoutes } from './admin/rules';
import { viewRoutes } from './admin/views';
import { ConfigError, readConfig } from './config';
import { guardRequest } from './guard/guard';
import { resolveOrigin } from './proxy/origin';

export type AppEnv = { Bindings: Cloudflare.Env; Variables: { requestId: string } };

function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    // Immutable headers (a Response straight from fetch): copy, keeping the body stream as it is.
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async function requestId(c, next) {
    const id = crypto.randomUUID();
    c.set('requestId', id);
    await next();
    c.res = withHeader(c.res, 'x-guard-request-id', id);
  });

  // Operator API. Security headers and no CORS on every /admin answer; unknown admin paths are 404.
  const admin = new Hono<AppEnv & { Variables: { operator: string } }>();
  admin.use('*', async function adminHeaders(c, next) {
    await next();
    c.res.headers.set('cache-control', 'no-store');
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'no-referrer');
  });
  // The dashboard page holds no data: it is served without a token (its script sends one), unless no
  // token is configured at all, when /admin does not exist.
  admin.get('/', function dashboardPage(c) {
    return operatorTokens(c.env).length === 0 ? c.json({ error: { message: 'Not found' } }, 404) : dashboard(c);
  });
  admin.use('*', adminAuth());
  admin.route('/lists', listsRoutes());
  admin.route('/rules', rulesRoutes());
  admin.route('/evaluator', evaluatorRoutes());
  admin.route('/backtest', backtestRoutes());
  admin.get('/openapi.json', (c) => c.json(openApiDocument()));
  admin.route('/', viewRoutes());
  admin.all('*', (c) => c.json({ error: { message: 'Not found' } }, 404));
  app.route('/admin', admin);

  app.all('*', async function proxy(c) {
    const config = readConfig(c.env);
    const url = new URL(c.req.url);
    const origin = resolveOrigin(config, url);
    if (!origin.ok) return apiErrorFor(c.req.raw, 'unavailable', origin.message);
    return guardRequest({
      env: c.env,
      ctx: c.executionCtx,
      config,
      request: c.req.raw,
      requestId: c.get('requestId'),
      target: origin.target,
    });
  });

  app.onError(function guardError(err, c) {
    const id = c.get('requestId') ?? 'unknown';
    if (err instanceof ConfigError) {
      console.error(JSON.stringify({ event: 'config_error', requestId: id, message: err.message }));
      return apiErrorFor(c.req.raw, 'unavailable', `distill-guard is misconfigured: ${err.message}`);
    }
    console.error(JSON.stringify({ event: 'guard_error', requestId: id, message: String(err) }));
    return apiErrorFor(c.req.raw, 'api_error', `distill-guard failed to handle this request (request id ${id}).`);
  });

  return app;
}
