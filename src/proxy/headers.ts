/** Header hygiene for both directions of the proxy. */

// RFC 9110 §7.6.1 connection-specific fields, plus the de-facto ones proxies also drop.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(headers: Headers): Set<string> {
  const value = headers.get('connection');
  if (!value) return new Set();
  return new Set(
    value
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * Headers to send upstream: hop-by-hop and client-sent `x-guard-*` fields dropped (a client must never
 * speak for the guard), `host` and `content-length` left for fetch to set from the URL and body.
 */
export function upstreamHeaders(incoming: Headers): Headers {
  const named = connectionTokens(incoming);
  const out = new Headers();
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name === 'host' || name === 'content-length' || name.startsWith('x-guard-')) continue;
    out.append(name, value);
  }
  return out;
}

/** Response headers passed to the client: hop-by-hop fields dropped, everything else kept as sent. */
export function downstreamHeaders(upstream: Headers): Headers {
  const named = connectionTokens(upstream);
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    out.append(name, value);
  }
  return out;
}
