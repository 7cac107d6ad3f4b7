/**
 * The dashboard in a real browser (Debian chromium driven by playwright-core): it loads with a token,
 * shows the decisions the guard recorded with their reasons, and a rule's mode switch takes effect.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningGuard, startGuard } from './helpers/guard';

const TOKEN = 'dashboard-test-token';
let guard: RunningGuard;
let browser: Browser;

beforeAll(async () => {
  guard = await startGuard({ ADMIN_TOKEN: TOKEN, RECORD_FLUSH_MS: '200' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // The machine has no network: without these Chromium keeps dialling Google's hosts.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await guard?.stop();
});

const admin = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${guard.url}/admin${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as T;

it('loads with a token, lists the stopped key with its reasons, and switches a rule to shadow', async () => {
  for (let i = 0; i < 12; i++) {
    await fetch(`${guard.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-dashboard-bulk', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 8192,
        messages: [{ role: 'user', content: `Think step by step and show all your reasoning. What is ${i + 17} times ${i + 3}?` }],
      }),
    }).then((r) => r.body?.cancel());
  }
  // The principal's alarm flushes its decisions to D1 (RECORD_FLUSH_MS); wait until they are there.
  for (let i = 0; i < 100; i++) {
    const { decisions } = await admin<{ decisions: Array<{ action: string }> }>('/decisions');
    if (decisions.some((d) => ['throttle', 'challenge', 'block'].includes(d.action))) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${guard.url}/admin`);
  await page.fill('#token', TOKEN);
  await page.click('#connect');
  const stopped = page.locator('tr.act-throttle, tr.act-challenge, tr.act-block').first();
  await stopped.waitFor({ timeout: 15_000 });
  expect(await stopped.locator('.reasons').textContent()).toMatch(/cot\./);
  expect(await page.locator('#traffic svg rect').count()).toBeGreaterThan(0);

  const select = page.locator('select[data-rule="cot.share.high"]');
  expect(await select.inputValue()).toBe('enforce');
  await select.selectOption('shadow');
  await page.locator('#status', { hasText: 'cot.share.high is now shadow' }).waitFor({ timeout: 10_000 });
  const rules = await admin<{ version: number; rules: Array<{ id: string; mode: string }> }>('/rules');
  expect(rules.rules.find((r) => r.id === 'cot.share.high')?.mode).toBe('shadow');
  expect(rules.version).toBe(1);
  await page.locator('#history', { hasText: 'dashboard: cot.share.high -> shadow' }).waitFor({ timeout: 10_000 });
  expect(problems).toEqual([]);
});
