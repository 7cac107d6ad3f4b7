/**
 * The challenge as a developer meets it through the dev server: a key on the challenge list gets
 * x-guard-challenge, `npm run solve` solves it, the retry reaches the origin, and the next request passes
 * under the clearance.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningGuard, startGuard } from './helpers/guard';
import { startOrigin, type TestOrigin } from './helpers/origin';

let origin: TestOrigin;
let guard: RunningGuard;

beforeAll(async () => {
  origin = await startOrigin();
  guard = await startGuard({ ORIGIN_URL: origin.url, ADMIN_TOKEN: 'dev-admin' });
});

afterAll(async () => {
  await guard?.stop();
  await origin?.close();
});

const call = (headers: Record<string, string> = {}) =>
  fetch(`${guard.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-ant-dev-challenged', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] }),
  });

it('challenge list -> x-guard-challenge -> npm run solve -> retry reaches origin -> clearance', async () => {
  const listed = await fetch(`${guard.url}/admin/lists/challenge`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'sk-ant-dev-challenged', reason: 'suspicious signup' }),
  });
  expect(listed.status).toBe(201);
  const challenged = await call();
  expect(challenged.status).toBe(403);
  const token = challenged.headers.get('x-guard-challenge');
  expect(token).toMatch(/^dg1\./);
  const out = execFileSync('npm', ['run', '--silent', 'solve', '--', token as string], { encoding: 'utf8' });
  const solution = out.trim().split('\n').at(-1) as string;
  const before = origin.received.length;
  const retried = await call({ 'x-guard-solution': solution });
  expect(retried.status).toBe(200);
  expect(origin.received.length).toBe(before + 1);
  expect(origin.received.at(-1)?.headers['x-guard-solution']).toBeUndefined();
  const next = await call();
  expect(next.status).toBe(200);
});
