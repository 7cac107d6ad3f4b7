/**
 * Proof-of-work challenges for API clients: a stateless token, signed with HMAC and bound to the
 * principal and an expiry, asking for a counter whose SHA-256 with the token has `bits` leading zero bits
 * (hashcash). Verification is stateless here; single use is enforced by the principal's object.
 */
import { Hmac, sha256, toHex } from '../engine/hash/sha256';

export interface Challenge {
  principal: string;
  expires: number;
  bits: number;
  nonce: string;
}

const VERSION = 'dg1';

function b64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(text: string): string {
  return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Difficulty from suspicion: 14 bits (~16k hashes) for a listed key up to 20 bits for a score of 1. */
export function difficultyFor(score: number): number {
  return 14 + Math.round(Math.min(1, Math.max(0, score)) * 6);
}

const challengeSecrets = new Map<string, Hmac>();

/** The challenge-signing key, derived from the pepper so a pepper rotation also voids open challenges. */
export function challengeSecret(pepper: string): Hmac {
  let secret = challengeSecrets.get(pepper);
  if (!secret) {
    secret = new Hmac(`distill-guard challenge\u0000${pepper}`);
    challengeSecrets.set(pepper, secret);
  }
  return secret;
}

export function issueChallenge(secret: Hmac, c: Challenge): string {
  const payload = b64url(JSON.stringify([c.principal, c.expires, c.bits, c.nonce]));
  return `${VERSION}.${payload}.${secret.hex(`challenge\u0000${payload}`, 16)}`;
}

export type Verdict = { ok: true; challenge: Challenge } | { ok: false; reason: string };

/** Check a `token.counter` solution: signature, principal, expiry and work. */
export function verifySolution(secret: Hmac, solution: string, principal: string, now: number): Verdict {
  const parts = solution.trim().split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return { ok: false, reason: 'malformed solution' };
  const [, payload = '', mac = '', counter = ''] = parts;
  if (secret.hex(`challenge\u0000${payload}`, 16) !== mac) return { ok: false, reason: 'forged challenge' };
  let fields: unknown;
  try {
    fields = JSON.parse(unb64url(payload));
  } catch {
    return { ok: false, reason: 'malformed challenge' };
  }
  if (!Array.isArray(fields) || fields.length !== 4) return { ok: false, reason: 'malformed challenge' };
  const [p, expires, bits, nonce] = fields as [string, number, number, string];
  if (p !== principal) return { ok: false, reason: 'challenge issued to another key' };
  if (expires <= now) return { ok: false, reason: 'challenge expired' };
  if (!/^\d{1,16}$/.test(counter)) return { ok: false, reason: 'malformed counter' };
  if (leadingZeroBits(sha256(`${VERSION}.${payload}.${mac}.${counter}`)) < bits) return { ok: false, reason: 'insufficient work' };
  return { ok: true, challenge: { principal: p, expires, bits, nonce } };
}

/** Find the counter (the client's side; also what `npm run solve` and `guardFetch` run). */
export function solveChallenge(token: string, maxCounter = 2 ** 32): string {
  const payload = token.split('.')[1] ?? '';
  const fields = JSON.parse(unb64url(payload)) as [string, number, number, string];
  const bits = fields[2];
  for (let counter = 0; counter < maxCounter; counter++) {
    if (leadingZeroBits(sha256(`${token}.${counter}`)) >= bits) return `${token}.${counter}`;
  }
  throw new Error('no solution found');
}

export function randomNonce(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return toHex(bytes);
}
