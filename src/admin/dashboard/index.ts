/**
 * GET /admin: the operator dashboard, one HTML page with no external assets. The page itself holds no
 * data, so it is served without a token; its script calls the JSON API with the bearer token the operator
 * types in. The CSP allows only this page's own script and style (by hash) and same-origin fetches.
 */
import type { Context } from 'hono';
import { sha256 } from '../../engine/hash/sha256';
import { DASHBOARD_SCRIPT } from './script';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}main,#login{padding:16px 20px;max-width:1200px}
section{overflow-x:auto;background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;color:#566}.nowrap{white-space:nowrap}.mono{font-family:ui-monospace,monospace;font-size:12px}.reasons{font-size:12px;color:#445}
.act-block td:nth-child(3),.act-challenge td:nth-child(3),.act-throttle td:nth-child(3){color:#a4282a;font-weight:600}
#status{margin-left:auto;font-size:13px}#status.bad{color:#ffb4a8}.legend span{margin-right:12px;font-weight:600}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid{grid-template-columns:1fr}}
`;

const BODY = `
<header><h1>distill-guard</h1><span id="updated"></span><span id="status"></span><button id="logout" type="button">forget token</button></header>
<div id="login"><section><h2>Operator token</h2>
<p>The token is kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
<input id="token" type="password" autocomplete="off" size="40" aria-label="operator token"> <button id="connect" type="button">Connect</button></section></div>
<main id="main" hidden>
<section><h2>Traffic by action, last 24 hours</h2><div id="traffic"></div></section>
<div class="grid">
<section><h2>Recent decisions</h2><div id="decisions"></div></section>
<section><h2>Top clusters</h2><div id="clusters"></div><div id="principal"></div></section>
</div>
<section><h2>Rules <span id="rules-version"></span></h2><div id="rules"></div></section>
<section><h2>History</h2><div id="history"></div></section>
</main>`;

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Built on the first dashboard request, not at isolate start-up: proxy traffic never pays for it. */
let built: { page: string; csp: string } | null = null;

function page(): { page: string; csp: string } {
  built ??= {
    page: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>distill-guard</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body>${BODY}<script>${DASHBOARD_SCRIPT}</script></body></html>`,
    csp: [
      "default-src 'none'",
      `script-src 'sha256-${base64(sha256(DASHBOARD_SCRIPT))}'`,
      `style-src 'sha256-${base64(sha256(STYLE))}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
  return built;
}

export function dashboard(c: Context): Response {
  const { page: html, csp } = page();
  return c.html(html, 200, {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  });
}
