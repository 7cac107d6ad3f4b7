/**
 * A real HTTP origin on loopback for end-to-end tests: it answers with the same mock model API the
 * Worker ships (so SDKs get realistic shapes) and records every request it receives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { mockOrigin } from '../../../src/mock';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TestOrigin {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

async function handle(req: IncomingMessage, res: ServerResponse, received: ReceivedRequest[], delayMs: number) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  received.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body });
  const method = req.method ?? 'GET';
  const response = await mockOrigin(
    new Request(`http://origin.test${req.url}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? null : body }),
    { streamDelayMs: delayMs },
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of Readable.fromWeb(response.body as never)) res.write(chunk);
  res.end();
}

/** `record: false` keeps nothing (long load runs). */
export async function startOrigin(options: { streamDelayMs?: number; record?: boolean } = {}): Promise<TestOrigin> {
  const received: ReceivedRequest[] = [];
  const sink = options.record === false ? [] : received;
  const server: Server = createServer((req, res) => {
    if (options.record === false) sink.length = 0;
    handle(req, res, sink, options.streamDelayMs ?? 0).catch((err) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
