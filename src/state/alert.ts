/**
 * Stop alerts for the lab's ban pipeline: when a principal is first stopped, its summary is POSTed to
 * ALERT_WEBHOOK_URL, signed so the receiver can trust it (`x-guard-signature: t=<ms>,v1=<hex>` where
 * v1 = HMAC-SHA256(ALERT_WEBHOOK_SECRET, `<t>.<body>`)). Sent from the principal's alarm, never from the
 * request path; a failed post is retried by the next alarm.
 */
import type { PrincipalSummary } from './recorder';

export async function signPayload(secret: string, ts: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${ts}.${body}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function alertBody(summary: PrincipalSummary, now: number): string {
  return JSON.stringify({
    event: 'principal.stopped',
    sent_at: now,
    principal: {
      id: summary.id,
      org: summary.org,
      stopped_at: summary.stoppedAt,
      action: summary.action,
      action_until: summary.actionUntil,
      reasons: summary.reasons,
      requests: summary.requests,
      first_seen: summary.firstSeen,
    },
  });
}

/** POST one alert; true when the receiver accepted it (2xx). Throws nothing. */
export async function sendStopAlert(env: Cloudflare.Env, summary: PrincipalSummary, now: number): Promise<boolean> {
  const url = env.ALERT_WEBHOOK_URL;
  const secret = env.ALERT_WEBHOOK_SECRET;
  if (!url) return true;
  if (!secret) {
    console.error(JSON.stringify({ event: 'alert_unsigned_refused', message: 'ALERT_WEBHOOK_URL is set without ALERT_WEBHOOK_SECRET' }));
    return true;
  }
  const body = alertBody(summary, now);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guard-signature': `t=${now},v1=${await signPayload(secret, now, body)}` },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    await res.body?.cancel();
    return res.ok;
  } catch (err) {
    console.error(JSON.stringify({ event: 'alert_failed', principal: summary.id, message: String(err) }));
    return false;
  }
}
