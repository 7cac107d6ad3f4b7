/** fingerprint(request) -> Features: computed once per request, pure, bounded on any input. */

import { foldWords, simhashWords, wordHashes } from '../hash/sketch';
import { apiSurface } from '../surface';
import type { ClusterRef, Features, RawRequest } from '../types';
import { summarizeBody } from './body';
import { cotScore } from './cot';
import { apiKeyOf, clientSoftware, type EngineKeys, type IdKind, ipPrefix, keyHashOf, orgHashOf, tlsFingerprint } from './identity';
import { boundedText, formatWrapperScore, frames, maskedWords, tokenize, topicOf } from './text';

export { type EngineKeys, engineKeys } from './identity';

export interface FingerprintOptions {
  keys: EngineKeys;
  /** A header set by the lab's own auth layer naming the organization (trusted: never client-settable upstream of it). */
  trustedOrgHeader?: string | null;
  /** The org the origin reported for this key, once seen (`anthropic-organization-id` / `openai-organization`). */
  orgOfKey?: (keyHash: string) => string | null;
}

/** Shortest prompt (in masked words) whose whole template is a meaningful cluster. */
const MIN_TEMPLATE_WORDS = 6;

export function fingerprint(req: RawRequest, opts: FingerprintOptions): Features {
  const { hmac, sketchSeed, id } = opts.keys;
  const url = safeUrl(req.url);
  const surface = apiSurface(url.pathname);
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

  const prompt = boundedText(body.prompt);
  const tokens = tokenize(prompt);
  const words = tokens.masked;
  // A long prompt's suffix frame is read from its own tail, not from the 400-word cap of the head.
  const tailWords = prompt.length > 2000 ? maskedWords(prompt.slice(-300), 60) : words;
  const system = body.system ? systemFeatures(body.system.slice(0, 4000), opts.keys) : null;
  let cot = cotScore(tokens.lower, prompt);
  let format = formatWrapperScore(prompt);
  if (system) {
    cot = Math.max(cot, system.cot);
    format = Math.max(format, system.format);
  }
  if (body.morePrompts.length > 0) {
    // A batch is scored as the requests it carries: average over the sampled ones.
    for (const p of body.morePrompts) {
      const b = boundedText(p);
      cot += cotScore(tokenize(b).lower, b);
      format += formatWrapperScore(b);
    }
    cot /= body.morePrompts.length + 1;
    format /= body.morePrompts.length + 1;
  }

  // Words are hashed once (seeded); the near-duplicate sketch and the template fold reuse the numbers.
  // A whole template is folded to 64 bits, so its keyed hash costs one HMAC block, not forty; one
  // digest gives both the template id and its cluster key.
  const hashes = wordHashes(words, sketchSeed);
  const simhash = simhashWords(hashes);
  const templateDigest = hmac.hex(`tpl\u0000${foldWords(hashes)}`, 16);
  const templateHash = templateDigest.slice(0, 16);
  const { prefix, suffix } = frames(words, tailWords);
  const clusters: ClusterRef[] = [];
  const add = (kind: ClusterRef['kind'] & IdKind, material: string) => clusters.push({ kind, key: id(kind, material) });
  if (prefix) add('prefix', prefix);
  if (suffix) add('suffix', suffix);
  if (words.length >= MIN_TEMPLATE_WORDS) clusters.push({ kind: 'template', key: `template:${templateDigest.slice(16)}` });
  if (system) clusters.push({ kind: 'system', key: system.clusterKey });
  if (body.toolSchema) add('tools', body.toolSchema);
  add(
    'shape',
    [
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
    ].join('|'),
  );
  if (tls) add('client', `${tls}|${client.uaFamily}|${client.uaVersion}`);
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
    topic: topicOf(words),
    templateHash,
    simhash,
    clusters,
  };
}

interface SystemFeatures {
  keys: EngineKeys;
  cot: number;
  format: number;
  clusterKey: string;
}

/** Applications send one system prompt with every request: read each once. Isolate memory only. */
const systemMemo = new Map<string, SystemFeatures>();
const SYSTEM_MEMO_LIMIT = 1000;

function systemFeatures(system: string, keys: EngineKeys): SystemFeatures {
  const known = systemMemo.get(system);
  if (known && known.keys === keys) return known;
  const tokens = tokenize(system, 600);
  const masked = tokens.masked;
  const out: SystemFeatures = {
    keys,
    cot: cotScore(tokens.lower, system),
    format: formatWrapperScore(system),
    // Masked, so variants that differ only in names and numbers share a cluster.
    clusterKey: keys.id('system', foldWords(wordHashes(masked, keys.sketchSeed), 0, Math.min(200, masked.length))),
  };
  if (systemMemo.size >= SYSTEM_MEMO_LIMIT) systemMemo.clear();
  systemMemo.set(system, out);
  return out;
}

function safeUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    return new URL('http://invalid/');
  }
}
