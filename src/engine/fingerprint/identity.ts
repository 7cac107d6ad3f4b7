/** Who sent a request: hashed key, org, end user, network, TLS and client software. */
import { Hmac } from '../hash/sha256';
import { GenerationalMemo, MEMO_MAX_CHARS } from '../memo';
import type { CfProperties } from '../types';

/**
 * What a keyed id is for: its HMAC domain, how many bytes it keeps and how it is printed. Frames recur
 * across a wrapper's prompts, and the rest (keys, networks, system prompts, shapes) recur per customer.
 */
const ID_KINDS = {
  key: { bytes: 8, label: 'k_' },
  org: { bytes: 8, label: 'o_' },
  net: { bytes: 6, label: 'n_' },
  user: { bytes: 8, label: 'u_' },
  prefix: { bytes: 8, label: 'prefix:' },
  suffix: { bytes: 8, label: 'suffix:' },
  system: { bytes: 8, label: 'system:' },
  tools: { bytes: 8, label: 'tools:' },
  shape: { bytes: 8, label: 'shape:' },
  client: { bytes: 8, label: 'client:' },
  network: { bytes: 8, label: 'network:' },
} as const;

export type IdKind = keyof typeof ID_KINDS;

/** Keyed hashers derived from the pepper once; content and identity hashes are never unkeyed. */
export interface EngineKeys {
  hmac: Hmac;
  /** Seed for per-token sketch hashes (SimHash). */
  sketchSeed: number;
  /** The keyed id of `material` (label + HMAC hex of `kind\0material`), memoised per isolate. */
  id(kind: IdKind, material: string): string;
}

/** Entries per kind and generation (~0.2 KB each): in isolate memory only, never stored. */
const MEMO_GENERATION = 5_000;

const keyCache = new Map<string, EngineKeys>();

function idMemo(hmac: Hmac): EngineKeys['id'] {
  // One map per kind, keyed by the material itself: no per-request concatenation to look an id up.
  const memos = new Map<IdKind, GenerationalMemo<string, string>>();
  // Material is whatever a client sends: longer than MEMO_MAX_CHARS, it is hashed every time.
  for (const kind of Object.keys(ID_KINDS) as IdKind[]) memos.set(kind, new GenerationalMemo(MEMO_GENERATION, MEMO_MAX_CHARS));
  return function id(kind, material) {
    const memo = memos.get(kind) as GenerationalMemo<string, string>;
    let out = memo.get(material);
    if (out === undefined) {
      const { bytes, label } = ID_KINDS[kind];
      out = hmac.hex(`${kind}\u0000${material}`, bytes, label);
      memo.set(material, out);
    }
    return out;
  };
}

export function engineKeys(pepper: string): EngineKeys {
  let keys = keyCache.get(pepper);
  if (!keys) {
    const hmac = new Hmac(pepper);
    keys = { hmac, sketchSeed: hmac.u32('sketch-seed'), id: idMemo(hmac) };
    if (keyCache.size > 8) keyCache.clear();
    keyCache.set(pepper, keys);
  }
  return keys;
}

/**
 * Every request header the fingerprint reads, besides an operator's trusted org header. The Worker
 * copies only these from a request (copying all of them was about 1.4% of a guarded request's CPU in
 * local workerd); the replay's records carry all headers, and the fingerprint reads the same ones.
 */
export const FINGERPRINT_HEADERS = ['x-api-key', 'authorization', 'user-agent', 'x-stainless-lang', 'x-stainless-package-version'] as const;

// What SDKs send; tested without building a match, and read with the general pattern otherwise.
const PLAIN_BEARER = /^Bearer \S+$/;

/** The API key as sent: `x-api-key`, or `Authorization: Bearer`. */
export function apiKeyOf(headers: Record<string, string>): string | null {
  const direct = headers['x-api-key']?.trim();
  if (direct) return direct;
  const authorization = headers.authorization;
  if (authorization === undefined) return null;
  if (PLAIN_BEARER.test(authorization)) return authorization.slice(7);
  return authorization.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
}

export function keyHashOf(keys: EngineKeys, rawKey: string): string {
  return keys.id('key', rawKey);
}

/** An organization id (from a trusted header or the origin's response header), keyed like every identity. */
export function orgHashOf(keys: EngineKeys, org: string): string {
  return keys.id('org', org);
}

/**
 * Where the last dot of a dotted quad (four runs of 1-3 ASCII digits) is, or -1 for anything else.
 * Scanned, not matched: a match, its groups and their join came to ~0.6 KB allocated a request.
 */
function dottedQuadLastDot(ip: string): number {
  let dots = 0;
  let digits = 0;
  let lastDot = -1;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      dots++;
      digits = 0;
      lastDot = i;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? lastDot : -1;
}

/** IPv4 /24 or IPv6 /48: the unit a person's addresses vary within. */
export function ipPrefix(ip: string): string {
  const lastDot = dottedQuadLastDot(ip);
  if (lastDot > 0) return `${ip.slice(0, lastDot)}.0/24`;
  if (ip.includes(':')) {
    const [head = ''] = ip.split('::');
    const groups = head.split(':').filter(Boolean);
    while (groups.length < 3) groups.push('0');
    return `${groups.slice(0, 3).join(':')}::/48`.toLowerCase();
  }
  return ip || 'unknown';
}

export interface ClientSoftware {
  uaFamily: string;
  uaVersion: string;
  sdkOfficial: boolean;
  sdkMismatch: boolean;
  sdkLang: string;
}

interface UserAgent {
  family: string;
  version: string;
}

// A service sees few user agents (its SDKs' and scripts' versions): each is read once.
const userAgents = new GenerationalMemo<string, UserAgent>(1_000, MEMO_MAX_CHARS);

function userAgentOf(ua: string): UserAgent {
  let parsed = userAgents.get(ua);
  if (parsed === undefined) {
    const m = ua.match(/^\s*([A-Za-z][\w.-]*(?:\/[A-Za-z]+)?)(?:[/ ]v?(\d+))?/);
    parsed = { family: (m?.[1] ?? 'none').toLowerCase(), version: m?.[2] ?? '' };
    userAgents.set(ua, parsed);
  }
  return parsed;
}

/** User-agent family and major version, and whether the official SDK headers agree with it. */
export function clientSoftware(headers: Record<string, string>): ClientSoftware {
  const ua = headers['user-agent'] ?? '';
  const { family: uaFamily, version: uaVersion } = userAgentOf(ua);
  const sdkLang = headers['x-stainless-lang'] ?? '';
  const sdkOfficial = sdkLang !== '' || headers['x-stainless-package-version'] !== undefined;
  const claimsSdk =
    uaFamily.startsWith('anthropic/') || uaFamily.startsWith('openai/') || uaFamily === 'anthropic' || uaFamily === 'openai';
  const pkgVersion = headers['x-stainless-package-version'];
  const versionDisagrees = sdkOfficial && claimsSdk && pkgVersion !== undefined && !ua.includes(pkgVersion);
  return {
    uaFamily,
    uaVersion,
    sdkOfficial,
    sdkMismatch: claimsSdk !== sdkOfficial || versionDisagrees,
    sdkLang,
  };
}

export function tlsFingerprint(cf: CfProperties | undefined): string | null {
  if (!cf) return null;
  return cf.botManagement?.ja4 ?? cf.ja4 ?? cf.botManagement?.ja3Hash ?? cf.ja3Hash ?? null;
}
