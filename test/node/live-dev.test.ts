/**
 * The live-state acceptance run, as `npm run dev` serves the guard (wrangler, local DO and D1 with
 * persistence) in front of a real origin on loopback: a chain-of-thought harvester and a chat user at
 * the same pace; then a restart, after which the stopped key is still stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadCorpus } from '../../eval/corpus';
import { testCorpusDir } from './helpers/corpus';
import { type RunningGuard, startGuard } from './helpers/guard';
import { startOrigin, type TestOrigin } from './helpers/origin';

let origin: TestOrigin;
let persist: string;
let guard: RunningGuard | null = null;

beforeAll(async () => {
  origin = await startOrigin();
  persist = mkdtempSync(join(tmpdir(), 'dg-live-'));
});

afterAll(async () => {
  await guard?.stop();
  await origin?.close();
  rmSync(persist, { recursive: true, force: true });
});

const WRAPPER =
  'Solve the following math problem. Think step by step, show all of your reasoning, and give the final answer on the last line.\n\n';

async function send(url: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'user-agent': 'python-requests/2.32.3',
    },
    body: JSON.stringify(body),
  });
}

it('stops a CoT-wrapped math harvester within 60 requests by distillation signals, serves the chat, and keeps the stop across a restart', async () => {
  const corpus = loadCorpus(0, testCorpusDir());
  const math = corpus.gsm8k.slice(0, 300);
  const chats = corpus.hh.filter((p) => (p.turns?.length ?? 0) >= 4);
  guard = await startGuard({ ORIGIN_URL: origin.url }, persist);
  const reasons = new Map<string, number>();
  let chatTurn = 0;
  let conversation: Array<{ role: string; content: string }> = [];
  for (let i = 0; i < 300; i++) {
    const res = await send(guard.url, 'sk-ant-harvester', {
      model: 'claude-sonnet-5-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: WRAPPER + math[i]?.text }],
    });
    if (!res.ok) {
      const msg = ((await res.json()) as { error: { message: string } }).error.message;
      for (const r of msg.match(/\(([^)]*)\)/)?.[1]?.split(', ') ?? []) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    } else await res.arrayBuffer();
    if (i % 2 === 1) {
      // The chat user: 150 turns over a few conversations, at half the harvester's pace.
      if (conversation.length === 0 || conversation.length > 16) conversation = [];
      const source = chats[Math.floor(chatTurn / 8) % chats.length];
      const userTurns = source?.turns?.filter((t) => t.role === 'user') ?? [];
      conversation.push({ role: 'user', content: userTurns[chatTurn % userTurns.length]?.content ?? 'Tell me more.' });
      const chat = await send(guard.url, 'sk-ant-chat-user', { model: 'claude-sonnet-5-5', max_tokens: 1024, messages: conversation });
      expect(chat.status, `chat turn ${chatTurn}`).toBe(200);
      const answer = (await chat.json()) as { content: Array<{ text: string }> };
      conversation.push({ role: 'assistant', content: answer.content[0]?.text ?? '' });
      chatTurn++;
    }
  }
  const harvested = origin.received.filter((r) => r.headers['x-api-key'] === 'sk-ant-harvester').length;
  const chatted = origin.received.filter((r) => r.headers['x-api-key'] === 'sk-ant-chat-user').length;
  expect(chatted).toBe(150);
  expect(harvested).toBeLessThanOrEqual(60);
  // Stopped by distillation signals, not by a rate rule.
  const leading = [...reasons.keys()].filter((r) => !r.startsWith('standing.'));
  expect(leading.some((r) => r.startsWith('cot.') || r.startsWith('template.') || r.startsWith('harvest.'))).toBe(true);
  expect(leading.some((r) => r.startsWith('volume.'))).toBe(false);

  await guard.stop();
  guard = await startGuard({ ORIGIN_URL: origin.url }, persist);
  const before = origin.received.length;
  const again = await send(guard.url, 'sk-ant-harvester', {
    model: 'claude-sonnet-5-5',
    max_tokens: 4096,
    messages: [{ role: 'user', content: `${WRAPPER}What is 17 * 23?` }],
  });
  expect([403, 429]).toContain(again.status);
  expect(again.headers.get('x-guard-action')).toMatch(/block|challenge|throttle/);
  expect(origin.received.length).toBe(before);
}, 240_000);
