/** Forward one request to the origin and stream the answer back untouched. */
import { apiErrorFor } from '../actions/errors';
import { mockOrigin } from '../mock';
import { downstreamHeaders, upstreamHeaders } from './headers';

export type OriginTarget = { kind: 'url'; base: string } | { kind: 'mock'; streamDelayMs: number };

/** `https://gw.example/anthropic` + `/v1/messages?x=1` -> `https://gw.example/anthropic/v1/messages?x=1` */
export function upstreamUrl(base: string, incoming: URL): string {
  return `${base}${incoming.pathname}${incoming.search}`;
}

export interface ForwardInput {
  request: Request;
  target: OriginTarget;
  /** The body to send: the client's stream, a re-assembled stream, or a rewritten (degraded) body. */
  body: BodyInit | null;
  requestId: string;
  /**
   * Sees the origin's answer before the client does and returns the body stream the client gets (one
   * branch of a tee, say), so the answer is wrapped in a new Response once, not twice.
   */
  tap?: (upstream: Response) => ReadableStream<Uint8Array> | null;
  /** `request.url`, when the caller has parsed it already. */
  url?: URL;
}

export async function forward({ request, target, body, requestId, tap, url }: ForwardInput): Promise<Response> {
  const incoming = url ?? new URL(request.url);
  const method = request.method.toUpperCase();
  const init: RequestInit = {
    method,
    headers: upstreamHeaders(request.headers),
    body: method === 'GET' || method === 'HEAD' ? null : body,
    // Redirects belong to the client, not to the guard.
    redirect: 'manual',
  };
  let upstream: Response;
  try {
    upstream =
      target.kind === 'mock'
        ? await mockOrigin(new Request(`http://mock.local${incoming.pathname}${incoming.search}`, init), target)
        : await fetch(upstreamUrl(target.base, incoming), init);
  } catch (err) {
    console.error(JSON.stringify({ event: 'origin_unreachable', requestId, message: String(err) }));
    return apiErrorFor(request, 'bad_gateway', `distill-guard could not reach the origin (request id ${requestId}).`, {
      headers: { 'x-guard-request-id': requestId },
    });
  }
  // A new Response over the same body stream: headers become mutable, nothing is buffered (SSE included).
  const headers = downstreamHeaders(upstream.headers);
  headers.set('x-guard-request-id', requestId);
  return new Response(tap ? tap(upstream) : upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
}
