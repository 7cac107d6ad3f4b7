/**
 * The live request path: read the body once, fingerprint, decide with at most one awaited Durable Object
 * round trip (none when a cached standing block applies), act, and account for the answer afterwards.
 * Everything else (cluster updates, cache refreshes, usage) runs in `waitUntil`.
 */

import { challengeSecret, difficultyFor, issueChallenge, randomNonce, verifySolution } from '../actions/challenge';
import { degradeBody } from '../actions/degrade';
import { apiErrorFor } from '../actions/errors';
import { stopResponse } from '../actions/respond';
import { now } from '../clock';
import type { GuardConfig } from '../config';
import { sightingsFor } from '../engine/board';
import { standingAction } from '../engine/decide';
import { DEV_PEPPER } from '../engine/dev-pepper';
import { type EngineKeys, engineKeys, fingerprint } from '../engine/fingerprint';
import { FINGERPRINT_HEADERS, orgHashOf } from '../engine/fingerprint/identity';
import { clusterObservation } from '../engine/pipeline';
import { type Decision, type Features, isStop, type RawRequest } from '../engine/types';
import { countCall, stateCalls } from '../isolate-stats';
import { forward, type OriginTarget } from '../proxy/forward';
import { isLoopback } from '../proxy/origin';
import { recordFault } from '../state/faults';
import { applyRequest, type ObserveInput } from '../state/principal-step';
import { readBody } from './body';
import { isolateCaches } from './caches';
import { enqueueClusters } from './cluster-queue';
import { adoptMirror, attachUsage, dropMirror, mirrorOf, queueMirrored, rejoinOf, startRejoin } from './mirror';
import { principalStub, sendMirrored, sendUsage } from './principal-calls';
import { countUnverified } from './unverified';
import { accountable, accountResponse } from './usage';
import { queueUsage, takeUsage } from './usage-queue';

export interface GuardContext {
  env: Cloudflare.Env;
  ctx: Pick<ExecutionContext, 'waitUntil'>;
  config: GuardConfig;
  request: Request;
  requestId: string;
  target: OriginTarget;
}

/** The pepper: the secret in production; the development value only for loopback clients. */
function pepperFor(env: Cloudflare.Env, url: URL): string | null {
  if (env.KEY_PEPPER) return env.KEY_PEPPER;
  return isLoopback(url) ? DEV_PEPPER : null;
}

/** The request as the engine reads it: of the headers, only those the fingerprint reads. */
function rawRequest(request: Request, text: string, size: number, trustedOrgHeader: string | null): RawRequest {
  const headers: Record<string, string> = {};
  for (const name of trustedOrgHeader ? [...FINGERPRINT_HEADERS, trustedOrgHeader.toLowerCase()] : FINGERPRINT_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return {
    method: request.method,
    url: request.url,
    headers,
    // The client address comes from Cloudflare's header only: X-Forwarded-For is client-controlled.
    ip: request.headers.get('cf-connecting-ip') ?? '',
    cf: request.cf as RawRequest['cf'],
    body: text,
    bodyBytes: size,
  };
}

class StateTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StateTimeout(`state call exceeded ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A decision the isolate makes without the principal's object (cached standing, hot principal, fault). */
function localDecision(
  features: Features,
  rulesVersion: number,
  action: Decision['action'],
  reasons: string[],
  score = 0,
  until: number | null = null,
): Decision {
  return { action, wouldAction: action, score, reasons, principal: features.principal, rulesVersion, until, breakdown: {} };
}

export async function guardRequest(g: GuardContext): Promise<Response> {
  const { env, ctx, config, request, requestId, target } = g;
  if (config.mode === 'off') return forward({ request, target, body: request.body, requestId });
  const url = new URL(request.url);
  const pepper = pepperFor(env, url);
  if (!pepper) return apiErrorFor(request, 'unavailable', 'distill-guard is not configured: the KEY_PEPPER secret is unset.');

  const read = await readBody(request, config);
  if (!read.ok) {
    return apiErrorFor(request, 'request_too_large', `Request body of ${read.size} bytes exceeds the ${config.maxBodyBytes}-byte limit.`, {
      headers: { 'x-guard-action': 'block', 'x-guard-request-id': requestId },
    });
  }
  const t = now();
  stateCalls.guarded++;
  const logRefresh = (what: string) => (err: unknown) =>
    console.error(JSON.stringify({ event: 'cache_refresh_failed', what, message: String(err) }));
  if (isolateCaches.cold) await isolateCaches.refreshConfig(env, t).catch(logRefresh('config'));
  else if (isolateCaches.configDue(t)) ctx.waitUntil(isolateCaches.refreshConfig(env, t).catch(logRefresh('config')));
  const board = isolateCaches.refreshBoard(env, t, isolateCaches.rules.boardRefreshMs);
  if (board) ctx.waitUntil(board.catch(logRefresh('board')));
  const rules = isolateCaches.rules;

  const keys = engineKeys(pepper);
  const trustedOrgHeader = env.TRUSTED_ORG_HEADER ?? null;
  const features = fingerprint(rawRequest(request, read.body.text, read.body.size, trustedOrgHeader), {
    keys,
    trustedOrgHeader,
    orgOfKey: (k) => isolateCaches.orgs.get(k) ?? null,
  });
  const list = isolateCaches.lists.get(features.principal) ?? (features.org ? isolateCaches.lists.get(features.org) : undefined) ?? null;
  const sightings = sightingsFor(features.clusters, (k) => isolateCaches.board.get(k), rules, t);
  const secret = challengeSecret(pepper);
  const sent = request.headers.get('x-guard-solution');
  const checked = sent ? verifySolution(secret, sent, features.principal, t) : null;
  let refused = checked && !checked.ok ? checked.reason : null;
  const solution = checked?.ok ? { nonce: checked.challenge.nonce, clearanceMs: config.clearanceMs } : null;
  let decision: Decision;
  const cached = list ? null : isolateCaches.standing(features.principal, t);
  const version = isolateCaches.rulesVersion;
  const standingBlock = cached && standingAction(cached, rules, t, true) === 'block' ? cached : null;
  let mirror = sent ? null : mirrorOf(features.principal, t, version);
  const rejoin = mirror || sent || standingBlock ? undefined : rejoinOf(features.principal);
  const rejoinFailure = rejoin ? await rejoin : null;
  if (rejoin && !rejoinFailure) mirror = mirrorOf(features.principal, now(), version);
  // Usage of this principal's earlier answers rides on this call instead of a call of its own (and
  // stays queued when the rejoin this request waited for failed: no call will carry it).
  const usage = rejoinFailure ? undefined : takeUsage(features.principal);
  const input: ObserveInput = {
    features,
    sightings,
    list,
    rulesVersion: version,
    now: t,
    solution,
    usage,
    mirrorFrom: config.hotPerMinute,
  };

  if (standingBlock) {
    // A standing block this isolate has seen: no awaited round trip. The object still observes it.
    decision = localDecision(features, version, 'block', ['standing.block', ...standingBlock.reasons], 1, standingBlock.until);
    countCall('observeBackground');
    ctx.waitUntil(
      principalStub(env, features.principal)
        .observe(input)
        .then(
          () => {},
          () => {},
        ),
    );
  } else if (mirror) {
    // A busy principal mirrored here: the same engine step on its record, no awaited call; the object
    // gets every request in batches (src/guard/mirror.ts).
    const m = mirror;
    const result = applyRequest(m.record, input, rules);
    decision = result.decision;
    isolateCaches.rememberStanding(features.principal, m.record.standing, t);
    const pending = enqueueClusters(env, features.clusters, clusterObservation(features, result, m.record, rules, t), t, version, config);
    if (pending) ctx.waitUntil(pending);
    const flush = queueMirrored(
      features.principal,
      m,
      input,
      isStop(decision.action),
      { batchMs: config.mirrorBatchMs, batchMaxMs: config.mirrorBatchMaxMs },
      (batch, base) => sendMirrored(env, features.principal, batch, base),
      (record, queued) => applyRequest(record, queued, rules),
      now,
    );
    if (flush) ctx.waitUntil(flush);
  } else {
    // Requests of this principal arriving meanwhile wait for this call rather than make their own.
    const rejoined = rejoinFailure ? null : startRejoin(features.principal, t);
    let failure: unknown = null;
    try {
      if (rejoinFailure) throw rejoinFailure;
      countCall('awaited');
      const sentAt = Date.now();
      const out = await withTimeout(principalStub(env, features.principal).observe(input), config.stateTimeoutMs);
      stateCalls.awaitedMs += Date.now() - sentAt;
      stateCalls.awaitedInsideMs += out.tookMs ?? 0;
      decision = out.decision;
      if (!out.verified && isStop(decision.action)) {
        const flush = countUnverified(env.DB, decision, t);
        if (flush) ctx.waitUntil(flush);
      }
      if (out.solution === 'reused') refused = 'this solution was already used';
      isolateCaches.rememberStanding(features.principal, out.standing, t);
      if (out.record) adoptMirror(features.principal, out.record, out.seq ?? null, t, version);
      else dropMirror(features.principal);
      const pending = enqueueClusters(env, features.clusters, out.observation, t, version, config);
      if (pending) ctx.waitUntil(pending);
    } catch (err) {
      failure = err;
      decision = localDecision(features, version, config.failMode === 'open' ? 'allow' : 'block', [`fault.state.${config.failMode}`]);
      // Usage the failed call carried is not re-sent: after a timeout the object may have applied it.
      console.error(
        JSON.stringify({
          event: 'state_fault',
          requestId,
          principal: features.principal,
          failMode: config.failMode,
          usageDropped: usage?.length ?? 0,
          message: String(err),
        }),
      );
      ctx.waitUntil(recordFault(env.DB, err instanceof StateTimeout ? 'state_timeout' : 'state_error', String(err), t));
      if (config.failMode === 'closed') {
        return apiErrorFor(
          request,
          'unavailable',
          `distill-guard could not reach its state and is configured to fail closed (request id ${requestId}).`,
          {
            headers: { 'x-guard-action': 'block', 'x-guard-request-id': requestId, 'retry-after': '5' },
          },
        );
      }
    } finally {
      rejoined?.(failure);
    }
  }

  const enforce = config.mode === 'enforce';
  if (enforce && isStop(decision.action)) {
    const offer =
      decision.action === 'challenge'
        ? {
            token: issueChallenge(secret, {
              principal: features.principal,
              expires: t + config.challengeTtlMs,
              bits: difficultyFor(decision.score),
              nonce: randomNonce(),
            }),
            refused,
          }
        : undefined;
    return stopResponse(request, decision, requestId, t, offer);
  }

  let body: BodyInit | null = read.body.forward;
  let degraded: string[] | null = null;
  if (enforce && decision.action === 'degrade') {
    const d = degradeBody(read.body.text, rules.degrade);
    if (d && read.body.complete) {
      body = d.body;
      degraded = d.changes;
    }
  }
  const tap = (upstream: Response) => account(g, upstream, features, t, keys);
  const response = await forward({ request, target, body, requestId, tap, url });
  if (degraded) {
    response.headers.set('x-guard-action', 'degrade');
    response.headers.set('x-guard-degraded', degraded.join('; ') || 'nothing to cap');
    response.headers.set('x-guard-reason', decision.reasons.slice(0, 5).join(', '));
  }
  return response;
}

/** Tee the answer: the client gets one branch untouched; usage is read from the other in waitUntil. */
function account(g: GuardContext, response: Response, features: Features, t: number, keys: EngineKeys): ReadableStream<Uint8Array> | null {
  const org = response.headers.get('anthropic-organization-id') ?? response.headers.get('openai-organization');
  if (org && features.keyHash) isolateCaches.orgs.set(features.keyHash, orgHashOf(keys, org));
  if (!response.body || response.status >= 400 || !accountable(response.headers)) return response.body;
  const [client, mine] = response.body.tee();
  const { env, ctx, config } = g;
  ctx.waitUntil(
    accountResponse(mine, response.headers)
      .then((usage) => {
        const entry = { usage, now: t };
        if (attachUsage(features.principal, entry)) return;
        const flush = queueUsage(features.principal, entry, (batch) => sendUsage(env, batch), config.usageFlushMs);
        if (flush) ctx.waitUntil(flush);
      })
      .catch((err) => console.error(JSON.stringify({ event: 'usage_failed', principal: features.principal, message: String(err) }))),
  );
  return client;
}
