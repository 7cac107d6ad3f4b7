/** fingerprint(request) -> Features: computed once per request, pure, bounded on any input. */

import { TupleHash } from '../hash/tuple';
import { GenerationalMemo, MEMO_MAX_CHARS } from '../memo';
import { type ApiSurface, apiSurface } from '../surface';
import type { ClusterRef, Features, RawRequest } from '../types';
import { type BodySummary, summarizeBody } from './body';
import {
  apiKeyOf,
  type ClientSoftware,
  clientSoftware,
  type EngineKeys,
  type IdKind,
  ipPrefix,
  keyHashOf,
  orgHashOf,
  tlsFingerprint,
} from './identity';
import { promptCues, promptFeatures, systemFeatures } from './prompt';
import { boundedText } from './text';

export { type EngineKeys, engineKeys } from './identity';

/** Shapes per memo generation: a service sees few (an SDK's defaults, a script's fixed parameters). */
const SHAPE_MEMO_GENERATION = 2_000;

export interface FingerprintOptions {
  keys: EngineKeys;
  /** A header set by the lab's own auth layer naming the organization (trusted: never client-settable upstream of it). */
  trustedOrgHeader?: string | null;
  /** The org the origin reported for this key, once seen (`anthropic-organization-id` / `openai-organization`). */
  orgOfKey?: (keyHash: string) => string | null;
}

export function fingerprint(req: RawRequest, opts: FingerprintOptions): Features {
  const { id } = opts.keys;
  const surface = surfaceOf(req.url);
  const body = summarizeBody(req.body, surface);

  const rawKey = apiKeyOf(req.headers);
  const keyHash = rawKey ? keyHashOf(opts.keys, rawKey) : null;
  const network = id('net', ipPrefix(req.ip));
  const trustedOrg = opts.trustedOrgHeader ? req.headers[opts.trustedOrgHeader.toLowerCase()] : undefined;
  const org = trustedOrg ? orgHashOf(opts.keys, trustedOrg) : keyHash && opts.orgOfKey ? opts.orgOfKey(keyHash) : null;
  const endUser = body.endUser ? id('user', body.endUser) : null;
  const client = clientSoftware(req.headers);
  const tls = tlsFingerprint(req.cf);
  const asn = req.cf?.asn !== undefined && req.cf.asn !== '' ? String(req.cf.asn) : null;

  const content = promptFeatures(boundedText(body.prompt), opts.keys);
  const system = body.system ? systemFeatures(body.system.slice(0, 4000), opts.keys) : null;
  let cot = content.cot;
  let format = content.format;
  if (system) {
    cot = Math.max(cot, system.cot);
    format = Math.max(format, system.format);
  }
  if (body.morePrompts.length > 0) {
    // A batch is scored as the requests it carries: average over the sampled ones.
    for (const p of body.morePrompts) {
      const more = promptCues(boundedText(p));
      cot += more.cot;
      format += more.format;
    }
    cot /= body.morePrompts.length + 1;
    format /= body.morePrompts.length + 1;
  }

  const clusters: ClusterRef[] = [];
  const add = (kind: ClusterRef['kind'] & IdKind, material: string) => clusters.push({ kind, key: id(kind, material) });
  if (content.prefixKey) clusters.push({ kind: 'prefix', key: content.prefixKey });
  if (content.suffixKey) clusters.push({ kind: 'suffix', key: content.suffixKey });
  if (content.templateKey) clusters.push({ kind: 'template', key: content.templateKey });
  if (system) clusters.push({ kind: 'system', key: system.clusterKey });
  if (body.toolSchema) add('tools', body.toolSchema);
  clusters.push({ kind: 'shape', key: shapeKey(opts.keys, surface, body, client) });
  if (tls) add('client', [tls, client.uaFamily, client.uaVersion].join('|'));
  add('network', asn ? `asn:${asn}` : network);

  return {
    principal: keyHash ?? `anon_${network.slice(2)}`,
    keyHash,
    org,
    endUser,
    network,
    asn,
    country: typeof req.cf?.country === 'string' ? req.cf.country : null,
    tlsFingerprint: tls,
    uaFamily: client.uaFamily,
    uaVersion: client.uaVersion,
    sdkOfficial: client.sdkOfficial,
    sdkMismatch: client.sdkMismatch,
    surface,
    method: req.method.toUpperCase(),
    model: body.model,
    maxTokens: body.maxTokens,
    thinkingBudget: body.thinkingBudget,
    reasoningEffort: body.reasoningEffort,
    logprobs: body.logprobs,
    topLogprobs: body.topLogprobs,
    logitBias: body.logitBias,
    n: body.n,
    temperature: body.temperature,
    stream: body.stream,
    tools: body.tools,
    toolResults: body.toolResults,
    turns: body.turns,
    batchSize: body.batchSize,
    hasSystem: body.system.length > 0,
    promptChars: body.prompt.length,
    bodyBytes: req.bodyBytes,
    unparseable: body.unparseable,
    cot,
    formatWrapper: format,
    topic: content.topic,
    templateHash: content.templateHash,
    simhash: content.simhash,
    clusters,
  };
}

const shapeMemos = new WeakMap<EngineKeys, GenerationalMemo<number, string>>();
const tuple = new TupleHash();

/** The request-shape fields, in order: hashed to look a shape up, joined with `|` for a new one's id. */
function shapeFields(surface: ApiSurface, body: BodySummary, client: ClientSoftware): Array<string | number | boolean | null> {
  return [
    surface,
    body.model,
    body.maxTokens,
    body.thinkingBudget,
    body.reasoningEffort,
    body.logprobs,
    body.topLogprobs,
    body.n,
    body.temperature,
    body.stream,
    client.uaFamily,
    client.uaVersion,
    client.sdkLang,
  ];
}

/**
 * The request-shape cluster key (surface, parameters, client software): what one SDK or one script
 * sends alike. Most requests repeat a shape already seen, so it is looked up by a hash of the fields,
 * and its material is joined only for a new one.
 */
function shapeKey(keys: EngineKeys, surface: ApiSurface, body: BodySummary, client: ClientSoftware): string {
  const fields = shapeFields(surface, body, client);
  tuple.start(keys.sketchSeed);
  for (const f of fields) tuple.value(f);
  const h = tuple.end();
  let memo = shapeMemos.get(keys);
  if (!memo) {
    memo = new GenerationalMemo(SHAPE_MEMO_GENERATION);
    shapeMemos.set(keys, memo);
  }
  let key = memo.get(h);
  if (key === undefined) {
    key = keys.id('shape', fields.join('|'));
    memo.set(h, key);
  }
  return key;
}

// A service sees few distinct request URLs: each is parsed once, not on every request.
const surfaces = new GenerationalMemo<string, ApiSurface>(256, MEMO_MAX_CHARS);

function surfaceOf(url: string): ApiSurface {
  let surface = surfaces.get(url);
  if (surface === undefined) {
    surface = apiSurface(safeUrl(url).pathname);
    surfaces.set(url, surface);
  }
  return surface;
}

function safeUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    return new URL('http://invalid/');
  }
}
