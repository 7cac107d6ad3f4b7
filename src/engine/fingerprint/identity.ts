/** Who sent a request: hashed key, org, end user, network, TLS and client software. */
import { Hmac } from '../hash/sha256';
import type { CfProperties } from '../types';

/** Keyed hashers derived from the pepper once; content and identity hashes are never unkeyed. */
export interface EngineKeys {
  hmac: Hmac;
  /** Seed for per-token sketch hashes (SimHash). */
  sketchSeed: number;
  /** HMAC hex of a recurring input (keys, networks, system prompts, shapes), memoised per isolate. */
  cachedHex(material: string, bytes: number): string;
}

const MEMO_LIMIT = 20_000;

const keyCache = new Map<string, EngineKeys>();

export function engineKeys(pepper: string): EngineKeys {
  let keys = keyCache.get(pepper);
  if (!keys) {
    const hmac = new Hmac(pepper);
    // Bounded: cleared when full. It lives in isolate memory only and is never stored.
    const memo = new Map<string, string>();
    const cachedHex = (material: string, bytes: number) => {
      let hex = memo.get(material);
      if (hex === undefined) {
        hex = hmac.hex(material, bytes);
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(material, hex);
      }
      return hex;
    };
    keys = { hmac, sketchSeed: hmac.u32('sketch-seed'), cachedHex };
    if (keyCache.size > 8) keyCache.clear();
    keyCache.set(pepper, keys);
  }
  return keys;
}

/** The API key as sent: `x-api-key`, or `Authorization: Bearer`. */
export function apiKeyOf(headers: Record<string, string>): string | null {
  const direct = headers['x-api-key']?.trim();
  if (direct) return direct;
  const auth = headers.authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1];
  return auth ?? null;
}

export function keyHashOf(keys: EngineKeys, rawKey: string): string {
  return `k_${keys.cachedHex(`key\u0000${rawKey}`, 8)}`;
}

/** An organization id (from a trusted header or the origin's response header), keyed like every identity. */
export function orgHashOf(keys: EngineKeys, org: string): string {
  return `o_${keys.cachedHex(`org\u0000${org}`, 8)}`;
}

/** IPv4 /24 or IPv6 /48: the unit a person's addresses vary within. */
export function ipPrefix(ip: string): string {
  const v4 = ip.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
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

/** User-agent family and major version, and whether the official SDK headers agree with it. */
export function clientSoftware(headers: Record<string, string>): ClientSoftware {
  const ua = headers['user-agent'] ?? '';
  const m = ua.match(/^\s*([A-Za-z][\w.-]*(?:\/[A-Za-z]+)?)(?:[/ ]v?(\d+))?/);
  const uaFamily = (m?.[1] ?? 'none').toLowerCase();
  const uaVersion = m?.[2] ?? '';
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
