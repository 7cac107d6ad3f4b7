/** fingerprint(request) -> Features: computed once per request, pure, bounded on any input. */

import { foldWords, simhashWords, wordHashes } from '../hash/sketch';
import { apiSurface } from '../surface';
import type { ClusterRef, Features, RawRequest } from '../types';
import { summarizeBody } from './body';
import { cotScore } from './cot';
import { apiKeyOf, clientSoftware, type EngineKeys, ipPrefix, keyHashOf, orgHashOf, tlsFingerprint } from './identity';
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
  const { hmac, sketchSeed, cachedHex } = opts.keys;
  const url = safeUrl(req.url);
  const surface = apiSurface(url.pathname);
  const body = summarizeBody(req.body, surface);

  const rawKey = apiKeyOf(req.headers);
  const keyHash = rawKey ? keyHashOf(opts.keys, rawKey) : null;
  const network = `n_${cachedHex(`net\u0000${ipPrefix(req.ip)}`, 6)}`;
  const trustedOrg = opts.trustedOrgHeader ? req.headers[opts.trustedOrgHeader.toLowerCase()] : undefined;
  const org = trustedOrg ? orgHashOf(opts.keys, trustedOrg) : keyHash && opts.orgOfKey ? opts.orgOfKey(keyHash) : null;
  const endUser = body.endUser ? `u_${cachedHex(`user\u0000${body.endUser}`, 8)}` : null;
  const client = clientSoftware(req.headers);
  const tls = tlsFingerprint(req.cf);
  const asn = req.cf?.asn !== undefined && req.cf.asn !== '' ? String(req.cf.asn) : null;

  const prompt = boundedText(body.prompt);
  const tokens = tokenize(prompt);
  const words = tokens.masked;
  // A long prompt's suffix frame is read from its own tail, not from the 400-word cap of the head.
  const tailWords = prompt.length > 2000 ? maskedWords(prompt.slice(-300), 60) : words;
  const system = body.system.slice(0, 4000);
  const systemTokens = system ? tokenize(system, 600) : null;
  let cot = cotScore(tokens.lower, prompt);
  let format = formatWrapperScore(prompt);
  if (systemTokens) {
    cot = Math.max(cot, cotScore(systemTokens.lower, system));
    format = Math.max(format, formatWrapperScore(system));
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
  // Frames vary per prompt; the rest (system prompts, schemas, shapes) recur: memoised.
  const add = (kind: ClusterRef['kind'], material: string, recurring = false) => {
    const m = `${kind}\u0000${material}`;
    clusters.push({ kind, key: `${kind}:${recurring ? cachedHex(m, 8) : hmac.hex(m, 8)}` });
  };
  if (prefix) add('prefix', prefix);
  if (suffix) add('suffix', suffix);
  if (words.length >= MIN_TEMPLATE_WORDS) clusters.push({ kind: 'template', key: `template:${templateDigest.slice(16)}` });
  // The masked system prompt, so variants that differ only in names and numbers share a cluster.
  if (systemTokens) {
    const masked = systemTokens.masked;
    add('system', foldWords(wordHashes(masked, sketchSeed), 0, Math.min(200, masked.length)), true);
  }
  if (body.toolSchema) add('tools', body.toolSchema, true);
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
    true,
  );
  if (tls) add('client', `${tls}|${client.uaFamily}|${client.uaVersion}`, true);
  add('network', asn ? `asn:${asn}` : network, true);

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

function safeUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    return new URL('http://invalid/');
  }
}
