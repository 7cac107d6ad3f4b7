/**
 * Privacy: after traffic with a marker key and a marker prompt (including a stop, a challenge and an
 * admin list entry), nothing the guard stored under its state directory (SQLite files and WAL
 * included) holds the key or the prompt, raw, hex or base64.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningGuard, startGuard } from './helpers/guard';
import { startOrigin, type TestOrigin } from './helpers/origin';

const KEY = 'sk-ant-MARKERKEY-7f3a9c51d2';
const PROMPT = 'zebra quartz marker prompt nine one four';

let origin: TestOrigin;
let guard: RunningGuard;
let dir: string;

beforeAll(async () => {
  origin = await startOrigin();
  dir = mkdtempSync(join(tmpdir(), 'dg-privacy-'));
  guard = await startGuard({ ORIGIN_URL: origin.url, ADMIN_TOKEN: 'privacy-admin' }, dir);
});

afterAll(async () => {
  await guard?.stop();
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

function files(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

it('stores neither the raw key nor the prompt text anywhere, in any encoding', async () => {
  for (let i = 0; i < 12; i++) {
    await fetch(`${guard.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 4096,
        messages: [{ role: 'user', content: `Think step by step and show your reasoning: ${PROMPT} ${i}` }],
      }),
    }).then((r) => r.arrayBuffer());
  }
  await fetch(`${guard.url}/admin/lists/challenge`, {
    method: 'POST',
    headers: { authorization: 'Bearer privacy-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ key: KEY, reason: 'marker test' }),
  });
  // Let alarms flush decisions to D1, then stop so every file is complete on disk.
  await new Promise((r) => setTimeout(r, 11_000));
  await guard.stop();
  const needles: Array<[string, Buffer]> = [];
  for (const secret of [KEY, PROMPT, 'zebra quartz marker']) {
    needles.push([`raw ${secret}`, Buffer.from(secret)]);
    needles.push([`hex ${secret}`, Buffer.from(Buffer.from(secret).toString('hex'))]);
    needles.push([`base64 ${secret}`, Buffer.from(Buffer.from(secret).toString('base64').slice(0, 16))]);
    needles.push([`utf16 ${secret}`, Buffer.from(secret, 'utf16le')]);
  }
  const scanned = files(dir);
  expect(scanned.some((f) => f.endsWith('.sqlite'))).toBe(true);
  for (const file of scanned) {
    const content = readFileSync(file);
    for (const [label, needle] of needles) expect(content.includes(needle), `${label} in ${file}`).toBe(false);
  }
  guard = await startGuard({ ORIGIN_URL: origin.url }, dir);
}, 60_000);
