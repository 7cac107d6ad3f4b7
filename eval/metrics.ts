/** The scorer: harvest per campaign and overall, benign requests and customers denied, gray outcomes. */
import type { SimResult } from './simulate';

export interface Metrics {
  harvestOverall: number;
  /** `attempts`: harvesting requests the same campaign is served unguarded. */
  harvestByCampaign: Record<string, { attempts: number; served: number; harvest: number; accounts: number }>;
  benignRequests: number;
  benignDenied: number;
  benignDeniedRate: number;
  benignDegraded: number;
  benignCustomers: number;
  benignCustomersDenied: number;
  benignCustomersDeniedRate: number;
  byGroup: Record<string, { kind: string; requests: number; denied: number; degraded: number; customers: number; customersDenied: number }>;
  grayRequests: number;
  grayChallenged: number;
  grayBlocked: number;
  requests: number;
  engineUsPerRequest: number;
}

export const GOALS = {
  harvestOverall: 0.1,
  harvestPerCampaign: 0.25,
  benignDeniedRate: 0.001,
  benignCustomersDeniedRate: 0.01,
  grayBlocked: 0,
};

/**
 * Harvest is what a campaign got served guarded, relative to what the same campaign (same seed) is
 * served unguarded: stopping accounts also slows a campaign down, and that counts.
 */
export function score(result: SimResult, unguarded: SimResult): Metrics {
  const harvestByCampaign: Metrics['harvestByCampaign'] = {};
  const byGroup: Metrics['byGroup'] = {};
  let attempts = 0;
  let served = 0;
  let benignRequests = 0;
  let benignDenied = 0;
  let benignDegraded = 0;
  let benignCustomers = 0;
  let benignCustomersDenied = 0;
  let grayRequests = 0;
  let grayChallenged = 0;
  let grayBlocked = 0;
  for (const [name, g] of result.groups) {
    byGroup[name] = {
      kind: g.kind,
      requests: g.requests,
      denied: g.denied,
      degraded: g.degraded,
      customers: g.customers.size,
      customersDenied: g.deniedCustomers.size,
    };
    if (g.kind === 'campaign') {
      const baseline = unguarded.groups.get(name)?.served ?? g.attempts;
      harvestByCampaign[name] = {
        attempts: baseline,
        served: g.served,
        harvest: baseline ? g.served / baseline : 0,
        accounts: result.accountsOpened.get(name) ?? 0,
      };
      attempts += baseline;
      served += g.served;
    } else if (g.kind === 'benign') {
      benignRequests += g.requests;
      benignDenied += g.denied;
      benignDegraded += g.degraded;
      benignCustomers += g.customers.size;
      benignCustomersDenied += g.deniedCustomers.size;
    } else {
      grayRequests += g.requests;
      grayChallenged += g.challenged;
      grayBlocked += g.blocked;
    }
  }
  return {
    harvestOverall: attempts ? served / attempts : 0,
    harvestByCampaign,
    benignRequests,
    benignDenied,
    benignDeniedRate: benignRequests ? benignDenied / benignRequests : 0,
    benignDegraded,
    benignCustomers,
    benignCustomersDenied,
    benignCustomersDeniedRate: benignCustomers ? benignCustomersDenied / benignCustomers : 0,
    byGroup,
    grayRequests,
    grayChallenged,
    grayBlocked,
    requests: result.requests,
    engineUsPerRequest: (result.engineMs * 1000) / Math.max(1, result.requests),
  };
}

export function goalsMet(m: Metrics): string[] {
  const misses: string[] = [];
  if (m.harvestOverall > GOALS.harvestOverall) misses.push(`overall harvest ${(m.harvestOverall * 100).toFixed(1)}% > 10%`);
  for (const [name, c] of Object.entries(m.harvestByCampaign)) {
    if (c.harvest > GOALS.harvestPerCampaign) misses.push(`${name} harvest ${(c.harvest * 100).toFixed(1)}% > 25%`);
  }
  if (m.benignDeniedRate > GOALS.benignDeniedRate) misses.push(`benign requests denied ${(m.benignDeniedRate * 100).toFixed(3)}% > 0.1%`);
  if (m.benignCustomersDeniedRate > GOALS.benignCustomersDeniedRate) {
    misses.push(`benign customers denied ${(m.benignCustomersDeniedRate * 100).toFixed(2)}% > 1%`);
  }
  if (m.grayBlocked > GOALS.grayBlocked) misses.push(`gray traffic blocked ${m.grayBlocked} times`);
  return misses;
}

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

export function summaryTable(m: Metrics): string {
  const rows: string[][] = [
    ['group', 'kind', 'requests', 'denied', 'degraded', 'customers denied / all', 'harvest (served / unguarded)', 'accounts (served each)'],
  ];
  for (const [name, g] of Object.entries(m.byGroup).sort((a, b) => a[1].kind.localeCompare(b[1].kind) || a[0].localeCompare(b[0]))) {
    const c = m.harvestByCampaign[name];
    rows.push([
      name,
      g.kind,
      String(g.requests),
      `${g.denied} (${pct(g.requests ? g.denied / g.requests : 0, 3)})`,
      String(g.degraded),
      g.kind === 'campaign' ? '-' : `${g.customersDenied} / ${g.customers}`,
      c ? `${pct(c.harvest, 1)} (${c.served} / ${c.attempts})` : '-',
      c ? `${c.accounts} (${(c.served / Math.max(1, c.accounts)).toFixed(2)})` : '-',
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  const out = [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('');
  out.push(`harvest overall            ${pct(m.harvestOverall, 2)}   (goal <= 10%, every campaign <= 25%)`);
  out.push(`benign requests denied     ${pct(m.benignDeniedRate, 3)}   (${m.benignDenied} of ${m.benignRequests}; goal <= 0.1%)`);
  out.push(
    `benign customers denied    ${pct(m.benignCustomersDeniedRate, 2)}   (${m.benignCustomersDenied} of ${m.benignCustomers}; goal <= 1%)`,
  );
  out.push(
    `gray (benchmark runs)      ${m.grayChallenged} challenged, ${m.grayBlocked} blocked of ${m.grayRequests} (goal: never blocked)`,
  );
  out.push(
    `engine time                ${m.engineUsPerRequest.toFixed(1)} us per request (fingerprint + state + decide), ${m.requests} requests`,
  );
  return out.join('\n');
}
