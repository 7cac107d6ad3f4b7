/** Bad input gets a clear answer, never a 500 from the guard, and the guard serves normally afterwards. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGuard } from './helpers';

const post = (body: BodyInit, headers: Record<string, string> = {}, path = '/v1/messages') =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-ant-bad-input', 'content-type': 'application/json', ...headers },
    body,
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bad input', () => {
  it('judges a body over INSPECT_BYTES on its prefix and streams all of it to the origin', async () => {
    const seen: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      seen.push(await new Request(input as RequestInfo, init).text());
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    });
    const big = JSON.stringify({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: `Think step by step. ${'lorem ipsum '.repeat(2000)}` }],
    });
    const res = await callGuard(post(big), { INSPECT_BYTES: '4096', ORIGIN_URL: 'https://origin.test' });
    expect(res.status).toBe(200);
    expect(seen[0]).toBe(big);
  });

  it('answers 413 in the API shape for a body over MAX_BODY_BYTES, declared or streamed', async () => {
    const declared = await callGuard(post('x'.repeat(2048), { 'content-length': '2048' }), { MAX_BODY_BYTES: '1024' });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(512));
        c.close();
      },
    });
    const streamed = await callGuard(
      new Request('http://localhost/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
      {
        MAX_BODY_BYTES: '1024',
      },
    );
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('forwards malformed, hostile and odd bodies to the origin (which answers them), scoring them without a 500', async () => {
    const bodies: BodyInit[] = [
      '{"model": "m", "messages": [',
      new Uint8Array([0x7b, 0xff, 0xfe, 0x22, 0x7d]),
      '['.repeat(100_000) + ']'.repeat(100_000),
      JSON.stringify({ model: 5, max_tokens: 'many', messages: { role: 'user' }, thinking: [1], system: { a: [] } }),
      JSON.stringify({
        model: 'm',
        max_tokens: 5,
        messages: Array.from({ length: 10_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `t${i}` })),
      }),
      JSON.stringify({
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'text', text: { nested: true } }, null, 7] }],
      }),
      '',
    ];
    for (const body of bodies) {
      const res = await callGuard(post(body));
      expect(res.status, String(body).slice(0, 40)).toBeLessThan(500);
      expect(res.headers.get('x-guard-request-id')).toBeTruthy();
    }
    // No key at all: the guard still decides (an anonymous principal) and the origin says 401.
    const anon = await callGuard(
      new Request('http://localhost/v1/messages', {
        method: 'POST',
        body: '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      }),
    );
    expect(anon.status).toBe(401);
    // Unknown paths and methods are forwarded like any other request.
    expect(
      (await callGuard(new Request('http://localhost/v2/unknown', { method: 'PATCH', headers: { 'x-api-key': 'k' }, body: '{}' }))).status,
    ).toBe(404);
    // And afterwards the guard serves normally.
    const ok = await callGuard(post(JSON.stringify({ model: 'm', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] })));
    expect(ok.status).toBe(200);
  });

  it('never lets a path trick reach /admin or a spoofed header speak for the guard', async () => {
    for (const path of [
      '/admin/lists/deny',
      '/admin/../admin/lists/deny',
      '/%61dmin/lists/deny',
      '/ADMIN/lists/deny',
      '//admin/lists/deny',
    ]) {
      const res = await callGuard(new Request(`http://localhost${path}`, { headers: { 'x-api-key': 'k', authorization: 'Bearer nope' } }), {
        ADMIN_TOKEN: 'secret',
      });
      expect(res.status, path).not.toBe(200);
    }
  });
});
