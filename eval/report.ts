/** A self-contained HTML report: each campaign's harvest per hour (SVG) and the benign denials. */
import type { Metrics } from './metrics';
import type { SimResult } from './simulate';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function harvestChart(result: SimResult): string {
  const W = 760;
  const H = 260;
  const pad = 40;
  const campaigns = [...result.groups].filter(([, g]) => g.kind === 'campaign');
  const hours = campaigns[0]?.[1].hourlyAttempts.length ?? 1;
  const x = (h: number) => pad + (h / Math.max(1, hours - 1)) * (W - 2 * pad);
  const y = (v: number) => H - pad - v * (H - 2 * pad);
  const lines = campaigns.map(([name, g], i) => {
    const pts = g.hourlyAttempts.map((a, h) => `${x(h).toFixed(1)},${y(a ? (g.hourlyServed[h] as number) / a : 0).toFixed(1)}`).join(' ');
    const color = COLORS[i % COLORS.length];
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/><text x="${W - pad + 4}" y="${pad + i * 16}" fill="${color}" font-size="12">${esc(name)}</text>`;
  });
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${pad}" x2="${W - pad}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="4" y="${y(v) + 4}" font-size="11">${v * 100}%</text>`,
    )
    .join('');
  const ticks = Array.from(
    { length: Math.floor(hours / 6) + 1 },
    (_, k) => `<text x="${x(k * 6) - 6}" y="${H - pad + 16}" font-size="11">${k * 6}h</text>`,
  ).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 80}" height="${H}" role="img" aria-label="harvest per hour">${grid}${ticks}${lines.join('')}</svg>`;
}

export function htmlReport(title: string, m: Metrics, result: SimResult, table: string, misses: string[]): string {
  const denied = Object.entries(m.byGroup)
    .filter(([, g]) => g.kind !== 'campaign')
    .map(
      ([name, g]) =>
        `<tr><td>${esc(name)}</td><td>${g.kind}</td><td>${g.requests}</td><td>${g.denied}</td><td>${g.degraded}</td><td>${g.customersDenied} / ${g.customers}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px}pre{background:#f6f6f6;padding:1em;overflow:auto}td,th{padding:2px 10px;text-align:left}</style></head>
<body><h1>${esc(title)}</h1>
<p>${misses.length === 0 ? '<strong>All goals met.</strong>' : `<strong>Goals missed:</strong> ${misses.map(esc).join('; ')}`}</p>
<h2>Harvest per hour (share of each campaign's harvesting requests served)</h2>${harvestChart(result)}
<h2>Benign and gray traffic</h2><table><tr><th>group</th><th>kind</th><th>requests</th><th>denied</th><th>degraded</th><th>customers denied</th></tr>${denied}</table>
<h2>Summary</h2><pre>${esc(table)}</pre></body></html>`;
}
