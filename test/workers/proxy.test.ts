import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGuard, callGuardLive } from './helpers';

const ORIGIN = 'https://origin.test/base';

function captureOrigin(respond: (req: Request) => Response | Promise<Response> = () => new Response('ok')) {
  const seen: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    seen.push(req);
    return respond(req);
  });
  return seen;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('forwarding', () => {
  it('preserves method, path, query, body and end-to-end headers', async () => {
    const seen = captureOrigin(() => new Response('{"ok":true}', { status: 201, headers: { 'x-origin': 'yes' } }));
    const res = await callGuard(
      new Request('http://localhost/v1/messages?beta=true&x=%20y', {
        method: 'PUT',
        headers: { 'x-api-key': 'sk-test', 'anthropic-version': '2023-06-01', 'x-custom': 'kept' },
        body: 'raw body \u00e9',
      }),
      { ORIGIN_URL: ORIGIN },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-origin')).toBe('yes');
    expect(await res.text()).toBe('{"ok":true}');
    expect(seen).toHaveLength(1);
    const up = seen[0] as Request;
    expect(up.method).toBe('PUT');
    expect(up.url).toBe('https://origin.test/base/v1/messages?beta=true&x=%20y');
    expect(await up.text()).toBe('raw body \u00e9');
    expect(up.headers.get('x-api-key')).toBe('sk-test');
    expect(up.headers.get('anthropic-version')).toBe('2023-06-01');
    expect(up.headers.get('x-custom')).toBe('kept');
  });

  it('forwards paths outside /v1 and any method, GET without a body', async () => {
    const seen = captureOrigin();
    const res = await callGuard(new Request('http://localhost/healthz?a=1', { method: 'GET' }), { ORIGIN_URL: ORIGIN });
    expect(res.status).toBe(200);
    expect(seen[0]?.url).toBe('https://origin.test/base/healthz?a=1');
    expect(seen[0]?.body).toBeNull();
  });

  it('drops hop-by-hop headers, headers named by Connection, and client-sent x-guard-* headers', async () => {
    const seen = captureOrigin();
    await callGuard(
      new Request('http://localhost/v1/chat/completions', {
        method: 'POST',
        headers: {
          connection: 'keep-alive, x-secret-hop',
          'keep-alive': 'timeout=5',
          'x-secret-hop': 'drop me',
          'proxy-authorization': 'Basic abc',
          te: 'trailers',
          'x-guard-action': 'allow',
          'x-guard-clock': '0',
          'X-Guard-Anything': 'spoof',
          authorization: 'Bearer sk-keep',
        },
        body: '{}',
      }),
      { ORIGIN_URL: ORIGIN },
    );
    const headers = [...(seen[0] as Request).headers.keys()];
    for (const dropped of ['connection', 'keep-alive', 'x-secret-hop', 'proxy-authorization', 'te']) {
      expect(headers).not.toContain(dropped);
    }
    expect(headers.filter((h) => h.startsWith('x-guard-'))).toEqual([]);
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer sk-keep');
  });

  it('adds x-guard-request-id to every response, forwarded or not', async () => {
    captureOrigin(() => new Response('x', { headers: { 'keep-alive': 'timeout=5' } }));
    const forwarded = await callGuard(new Request('http://localhost/v1/models'), { ORIGIN_URL: ORIGIN });
    expect(forwarded.headers.get('x-guard-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(forwarded.headers.get('keep-alive')).toBeNull();
    const admin = await callGuard(new Request('http://localhost/admin'), { ORIGIN_URL: ORIGIN });
    expect(admin.headers.get('x-guard-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const a = forwarded.headers.get('x-guard-request-id');
    const b = admin.headers.get('x-guard-request-id');
    expect(a).not.toBe(b);
  });

  it('passes redirects and error statuses through instead of following or rewriting them', async () => {
    captureOrigin(() => new Response(null, { status: 307, headers: { location: 'https://elsewhere.test/' } }));
    const res = await callGuard(new Request('http://localhost/v1/models'), { ORIGIN_URL: ORIGIN });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://elsewhere.test/');
  });

  it('answers 502 in the API shape when the origin cannot be reached', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('connect ECONNREFUSED'));
    const res = await callGuard(new Request('http://localhost/v1/messages', { method: 'POST', body: '{}' }), { ORIGIN_URL: ORIGIN });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.message).toMatch(/origin/i);
  });
});

describe('streaming', () => {
  it('delivers SSE chunk by chunk, before the origin has finished', async () => {
    const encoder = new TextEncoder();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let secondSent = false;
    captureOrigin(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode('event: message_start\ndata: {"n":1}\n\n'));
              await released;
              secondSent = true;
              controller.enqueue(encoder.encode('event: message_stop\ndata: {"n":2}\n\n'));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const { response: res, background } = await callGuardLive(
      new Request('http://localhost/v1/messages', { method: 'POST', body: '{"stream":true}' }),
      {
        ORIGIN_URL: ORIGIN,
      },
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    // The first event reached the client while the origin is still holding the second one back.
    expect(new TextDecoder().decode(first.value)).toContain('message_start');
    expect(secondSent).toBe(false);
    release();
    const second = await reader.read();
    expect(new TextDecoder().decode(second.value)).toContain('message_stop');
    expect((await reader.read()).done).toBe(true);
    await background;
  });
});

describe('configuration', () => {
  it('answers 503 with a clear message when ORIGIN_URL is unset, and never calls out', async () => {
    const seen = captureOrigin();
    const res = await callGuard(new Request('http://guard.example.com/v1/chat/completions', { method: 'POST', body: '{}' }), {
      ORIGIN_URL: '',
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('ORIGIN_URL is unset');
    expect(seen).toHaveLength(0);
  });

  it('never serves the mock to a non-loopback host', async () => {
    const res = await callGuard(
      new Request('https://api.example.com/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': 'k' },
        body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      }),
      { ORIGIN_URL: 'mock' },
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { type: string; error: { message: string } };
    expect(body.type).toBe('error');
    expect(body.error.message).toContain('ORIGIN_URL=mock');
  });

  it('rejects an invalid GUARD_MODE loudly instead of guessing', async () => {
    const res = await callGuard(new Request('http://localhost/v1/models'), { GUARD_MODE: 'enforcing' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('GUARD_MODE');
  });
});
