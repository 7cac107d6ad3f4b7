import { describe, expect, it } from 'vitest';
import { engineKeys, fingerprint } from '../../../src/engine/fingerprint';
import { apiKeyOf, clientSoftware, FINGERPRINT_HEADERS, ipPrefix } from '../../../src/engine/fingerprint/identity';
import { hash53, promptCues, promptFeatures, systemFeatures } from '../../../src/engine/fingerprint/prompt';
import { toHex } from '../../../src/engine/hash/sha256';
import { hamming64 } from '../../../src/engine/hash/simhash';
import { GenerationalMemo, MEMO_MAX_CHARS } from '../../../src/engine/memo';
import { NEAR_DUP_BITS } from '../../../src/engine/state/principal';
import { anthropic } from './requests';

const keys = engineKeys('test-pepper');
const fp = (r = anthropic()) => fingerprint(r, { keys });

describe('who', () => {
  it('hashes the API key with HMAC-SHA256 and the pepper (matching WebCrypto), never keeping it raw', async () => {
    const f = fp(anthropic({ key: 'sk-ant-secret-123' }));
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('test-pepper'), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('key\u0000sk-ant-secret-123')));
    expect(f.keyHash).toBe(`k_${toHex(mac, 8)}`);
    expect(f.principal).toBe(f.keyHash);
    expect(JSON.stringify(f)).not.toContain('sk-ant-secret-123');
  });

  it('reads the key from Authorization: Bearer as well, and different peppers give different ids', () => {
    const bearer = anthropic({ key: '' });
    delete bearer.headers['x-api-key'];
    bearer.headers.authorization = 'Bearer sk-ant-secret-123';
    expect(fp(bearer).keyHash).toBe(fp(anthropic({ key: 'sk-ant-secret-123' })).keyHash);
    expect(fingerprint(anthropic(), { keys: engineKeys('other') }).keyHash).not.toBe(fp().keyHash);
  });

  it('groups IPv4 by /24 and IPv6 by /48, and keeps end users and orgs hashed', () => {
    expect(fp(anthropic({ ip: '203.0.113.5' })).network).toBe(fp(anthropic({ ip: '203.0.113.200' })).network);
    expect(fp(anthropic({ ip: '203.0.113.5' })).network).not.toBe(fp(anthropic({ ip: '203.0.114.5' })).network);
    expect(fp(anthropic({ ip: '2001:db8:1::1' })).network).toBe(fp(anthropic({ ip: '2001:db8:1:ffff::9' })).network);
    const f = fingerprint(anthropic({ extra: { metadata: { user_id: 'alice@example.com' } }, headers: { 'x-lab-org': 'org-42' } }), {
      keys,
      trustedOrgHeader: 'x-lab-org',
    });
    expect(f.endUser).toMatch(/^u_[0-9a-f]{16}$/);
    expect(f.org).toMatch(/^o_[0-9a-f]{16}$/);
    expect(JSON.stringify(f)).not.toContain('alice@example.com');
  });

  it('hashes material too long for the memos every time, to the keyed id a short one would get', async () => {
    const user = `user-${'é'.repeat(MEMO_MAX_CHARS)}`;
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('test-pepper'), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`user\u0000${user}`)));
    for (let i = 0; i < 2; i++) expect(fp(anthropic({ extra: { metadata: { user_id: user } } })).endUser).toBe(`u_${toHex(mac, 8)}`);
    const ua = `curl/8.5.0 ${'x'.repeat(MEMO_MAX_CHARS)}`;
    for (let i = 0; i < 2; i++) expect(clientSoftware({ 'user-agent': ua })).toMatchObject({ uaFamily: 'curl', uaVersion: '8' });
  });

  it('reads a Bearer key as the general pattern does, whatever the spacing, case or trailing bytes', () => {
    const general = (auth: string) => auth.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
    const forms = ['Bearer sk-1', 'bearer sk-1', 'BEARER sk-1', '  Bearer   sk-1  ', 'Bearer sk 1', 'Bearer ', 'Bearer', 'Bearer\tsk-1'];
    forms.push(
      'Bearer sk-1\u00a0',
      'Bearer sk-1\n',
      'Bearer \u00a0sk-1',
      'Basic c2stMQ==',
      '',
      'Bearer sk-é',
      'Bearersk-1',
      'Bearer  sk-1',
    );
    for (const authorization of forms) expect(apiKeyOf({ authorization }), JSON.stringify(authorization)).toBe(general(authorization));
    expect(apiKeyOf({ 'x-api-key': ' sk-2 ', authorization: 'Bearer sk-1' })).toBe('sk-2');
    expect(apiKeyOf({})).toBeNull();
  });

  it('takes the /24 of exactly what the dotted-quad pattern it replaced took, and nothing else', () => {
    const regexPrefix = (ip: string) => {
      const v4 = ip.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/);
      return v4 ? [v4[1], v4[2], v4[3], '0/24'].join('.') : null;
    };
    const ips = [
      '203.0.113.5',
      '1.2.3.4',
      '0.0.0.0',
      '999.999.999.999',
      '1234.1.1.1',
      '1.1.1.1234',
      '1.2.3',
      '1.2.3.4.5',
      '.1.2.3',
      '1.2.3.',
    ];
    ips.push('1..2.3', '1.2.3.4\n', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '١.٢.٣.٤', '1.2.3.٤', '', '.', '...', '1.2.3.4/24', '01.002.3.4');
    // Near misses of dotted quads: 3-5 groups of 0-4 characters, mostly digits, mostly dot-separated.
    let seed = 7;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 3000; i++) {
      const groups = Array.from({ length: [4, 4, 4, 3, 5][next(5)] as number }, () =>
        Array.from({ length: [1, 2, 3, 1, 2, 3, 0, 4][next(8)] as number }, () => '0123456789012345678a'[next(20)]).join(''),
      );
      ips.push(groups.map((g, k) => (k === 0 ? g : `${'.........:'[next(10)]}${g}`)).join(''));
    }
    let quads = 0;
    for (const ip of ips) {
      const want = regexPrefix(ip);
      if (want === null) {
        expect(ipPrefix(ip).endsWith('.0/24') && ipPrefix(ip) !== ip, JSON.stringify(ip)).toBe(false);
      } else {
        quads++;
        expect(ipPrefix(ip), JSON.stringify(ip)).toBe(want);
      }
    }
    expect(quads).toBeGreaterThan(100);
  });

  it('reads the user agent the same however often it recurs', () => {
    const headers = { 'user-agent': 'Anthropic/JS 0.60.0', 'x-stainless-lang': 'js', 'x-stainless-package-version': '0.60.0' };
    const first = clientSoftware(headers);
    expect(first).toEqual({ uaFamily: 'anthropic/js', uaVersion: '0', sdkOfficial: true, sdkMismatch: false, sdkLang: 'js' });
    expect(clientSoftware({ ...headers })).toEqual(first);
    expect(clientSoftware({ 'user-agent': 'Anthropic/JS 0.60.0' })).toMatchObject({
      uaFamily: 'anthropic/js',
      sdkOfficial: false,
      sdkMismatch: true,
    });
    expect(clientSoftware({})).toMatchObject({ uaFamily: 'none', uaVersion: '' });
  });

  it('reads no header but FINGERPRINT_HEADERS and the trusted org header (the Worker copies only those)', () => {
    const read = new Set<string>();
    const r = anthropic({
      headers: { 'x-lab-org': 'org-42', accept: 'application/json', 'anthropic-version': '2023-06-01', 'x-stainless-os': 'Linux' },
      extra: { metadata: { user_id: 'alice' } },
    });
    r.headers = new Proxy(r.headers, {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return Reflect.get(target, name);
      },
    });
    const all = fingerprint(r, { keys, trustedOrgHeader: 'X-Lab-Org' });
    const allowed = new Set<string>([...FINGERPRINT_HEADERS, 'x-lab-org']);
    expect(read.has('x-lab-org') && read.has('user-agent')).toBe(true);
    expect([...read].filter((name) => !allowed.has(name))).toEqual([]);
    const copied = anthropic({ headers: { 'x-lab-org': 'org-42' }, extra: { metadata: { user_id: 'alice' } } });
    expect(fingerprint(copied, { keys, trustedOrgHeader: 'X-Lab-Org' })).toEqual(all);
  });

  it('notices a user agent that claims an official SDK without its headers', () => {
    expect(fp().sdkOfficial).toBe(true);
    expect(fp().sdkMismatch).toBe(false);
    const forged = anthropic();
    delete forged.headers['x-stainless-lang'];
    delete forged.headers['x-stainless-package-version'];
    expect(fp(forged).sdkMismatch).toBe(true);
  });
});

describe('what', () => {
  it('reads the API surface and the harvest asks', () => {
    const f = fp(anthropic({ thinking: 8000, maxTokens: 12000 }));
    expect(f.surface).toBe('anthropic.messages');
    const longUrl = `https://api.example.com/v1/messages?trace=${'x'.repeat(MEMO_MAX_CHARS)}`;
    for (let i = 0; i < 2; i++) expect(fp({ ...anthropic(), url: longUrl }).surface).toBe('anthropic.messages');
    expect(f.thinkingBudget).toBe(8000);
    expect(f.maxTokens).toBe(12000);
    const oai = fingerprint(
      {
        ...anthropic(),
        url: 'https://api.example.com/v1/chat/completions',
        body: JSON.stringify({
          model: 'o4-mini',
          reasoning_effort: 'high',
          logprobs: true,
          top_logprobs: 5,
          logit_bias: { '1': 2 },
          n: 3,
          messages: [{ role: 'user', content: 'x' }],
        }),
      },
      { keys },
    );
    expect(oai).toMatchObject({ surface: 'openai.chat', reasoningEffort: 3, logprobs: true, topLogprobs: 5, logitBias: true, n: 3 });
  });

  it('counts turns and tool results, and reads the last user turn', () => {
    const f = fp(
      anthropic({
        messages: [
          { role: 'user', content: 'Fix the bug in main.ts' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'read', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'file text' }] },
        ],
      }),
    );
    expect(f.turns).toBe(2);
    expect(f.toolResults).toBe(1);
  });

  it('scores a Message Batch as the requests it carries', () => {
    const item = (q: string) => ({ custom_id: q, params: { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: q }] } });
    const body = JSON.stringify({
      requests: [item('Solve step by step: 2+2'), item('Think step by step: 3*3'), item('Show your reasoning: 5-1')],
    });
    const f = fingerprint({ ...anthropic(), url: 'https://api.example.com/v1/messages/batches', body, bodyBytes: body.length }, { keys });
    expect(f.surface).toBe('anthropic.batches');
    expect(f.batchSize).toBe(3);
    expect(f.cot).toBeGreaterThan(0.6);
  });

  it('still fingerprints an unparseable body (it is a signal), with bounded work on hostile input', () => {
    const bad = fp({ ...anthropic(), body: '{"model": "x", "messages": [ {"role": "user", "content": "think step by step' });
    expect(bad.unparseable).toBe(true);
    expect(bad.cot).toBeGreaterThan(0);
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const many = JSON.stringify({
      model: 'm',
      max_tokens: 5,
      messages: Array.from({ length: 10_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` })),
    });
    const huge = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'word '.repeat(200_000) }] });
    const weird = JSON.stringify({ model: 5, max_tokens: 'lots', messages: { role: 'user' }, thinking: [], system: { a: 1 } });
    for (const body of [deep, many, huge, weird]) {
      const started = performance.now();
      const f = fp({ ...anthropic(), body, bodyBytes: body.length });
      expect(performance.now() - started).toBeLessThan(250);
      expect(f.principal).toMatch(/^k_/);
    }
  });
});

describe('content', () => {
  it('masks numbers, quoted spans and names so one template hashes alike', () => {
    const a = fp(anthropic({ prompt: 'Natalia sold 48 clips in April and "some" more in May. How many clips did she sell?' }));
    const b = fp(anthropic({ prompt: 'Natalia sold 93 clips in April and "a few" more in May. How many clips did she sell?' }));
    expect(a.templateHash).toBe(b.templateHash);
    expect(fp(anthropic({ prompt: 'What is the boiling point of water at sea level in kelvin?' })).templateHash).not.toBe(a.templateHash);
  });

  it('shares a frame cluster between different questions in one wrapper', () => {
    const wrap = (q: string) => `${q}\n\nPlease reason carefully and present the full derivation before the final answer.`;
    const a = fp(anthropic({ prompt: wrap('A train travels 120 km in 2 hours. What is its speed?') }));
    const b = fp(anthropic({ prompt: wrap('Which element has the highest electronegativity and why does it matter?') }));
    const suffix = (f: typeof a) => f.clusters.find((c) => c.kind === 'suffix')?.key;
    expect(suffix(a)).toBeDefined();
    expect(suffix(a)).toBe(suffix(b));
    expect(a.templateHash).not.toBe(b.templateHash);
  });

  it('keeps near-duplicates within a few SimHash bits and unrelated prompts far apart', () => {
    const base =
      'Write a Python function that returns the 10th Fibonacci number using memoization, explain its time and space complexity, ' +
      'compare it with the iterative version, and add unit tests that cover the base cases, a large input and invalid input.';
    const s = fp(anthropic({ prompt: base })).simhash;
    expect(fp(anthropic({ prompt: base.replace('10th', '25th') })).simhash).toBe(s);
    const near = fp(anthropic({ prompt: base.replace('returns', 'computes') })).simhash;
    const far = fp(
      anthropic({ prompt: 'Plan a three-day trip to Lisbon with a focus on food markets, museums and the old tram lines.' }),
    ).simhash;
    expect(hamming64(s, near)).toBeLessThanOrEqual(NEAR_DUP_BITS);
    expect(hamming64(s, far)).toBeGreaterThan(16);
  });

  it('scores chain-of-thought asks across phrasings and languages, and not ordinary prompts', () => {
    const cot = (prompt: string) => fp(anthropic({ prompt })).cot;
    for (const p of [
      "Let's think step by step.",
      'Work through it one step at a time and show all of your working.',
      'Put your reasoning inside <thinking></thinking> tags first.',
      'Resuelve paso a paso.',
      'Löse die Aufgabe Schritt für Schritt.',
      '请一步一步地思考。',
      'ステップバイステップで考えてください。',
      'Реши задачу шаг за шагом.',
    ]) {
      expect(cot(p), p).toBeGreaterThanOrEqual(0.7);
    }
    for (const p of [
      'What is the capital of Peru?',
      'Show me flights to Boston on Friday.',
      'I think my card was charged twice.',
      'Step on the gas, we are late!',
    ]) {
      expect(cot(p), p).toBeLessThan(0.3);
    }
    expect(fp(anthropic({ prompt: 'Q', system: 'Always explain your reasoning step by step.' })).cot).toBeGreaterThanOrEqual(0.7);
  });

  it('does not trip on prompt words that are Object prototype names', () => {
    expect(() => fp(anthropic({ prompt: 'constructor toString hasOwnProperty __proto__ valueOf paso' }))).not.toThrow();
  });
});

describe('memoised content', () => {
  it('reads a repeated prompt once, and a one-character change, another pepper or a batch sample afresh', () => {
    const text = 'Solve the following problem. Think step by step and show your reasoning: what is 12 times 13?';
    const first = promptFeatures(text, keys);
    expect(promptFeatures(text, keys)).toBe(first); // the memo's entry
    const changed = promptFeatures(`${text.slice(0, -1)}!`, keys);
    expect(changed).not.toBe(first);
    expect(changed.cot).toBe(first.cot);
    const other = promptFeatures(text, engineKeys('another-pepper'));
    expect(other).not.toBe(first);
    expect(other.templateHash).not.toBe(first.templateHash);
    expect(other.prefixKey).not.toBe(first.prefixKey);
    // Only cues for a batch's samples: no ids to compute.
    expect(promptCues(text)).toEqual({ cot: first.cot, format: first.format });
    // What the fingerprint reports is the memo's reading.
    const f = fp(anthropic({ prompt: text }));
    expect([f.cot, f.simhash, f.templateHash]).toEqual([first.cot, first.simhash, first.templateHash]);
    expect(f.clusters.filter((c) => c.kind === 'prefix' || c.kind === 'template').map((c) => c.key)).toEqual([
      first.prefixKey,
      first.templateKey,
    ]);
  });

  it('reads a system prompt once, and counts its cues and its cluster on every request', () => {
    const system = 'You are a grading assistant. Always think step by step and show your reasoning before the verdict.';
    const a = fp(anthropic({ system, prompt: 'Hello there' }));
    const b = fp(anthropic({ system, prompt: 'Good morning' }));
    expect(systemFeatures(system, keys)).toBe(systemFeatures(system, keys));
    expect(a.cot).toBeGreaterThan(0.6);
    expect(a.cot).toBe(b.cot);
    const key = a.clusters.find((c) => c.kind === 'system')?.key;
    expect(key).toMatch(/^system:[0-9a-f]{16}$/);
    expect(b.clusters.find((c) => c.kind === 'system')?.key).toBe(key);
  });

  it('keeps what recurs when a memo fills, ages out one-off entries, and holds at most two generations', () => {
    const memo = new GenerationalMemo<string, number>(4);
    memo.set('hot', 0);
    for (let i = 0; i < 40; i++) {
      memo.set(`once-${i}`, i);
      expect(memo.get('hot')).toBe(0); // a hit in the previous generation is copied forward
      expect(memo.size).toBeLessThanOrEqual(8);
    }
    expect(memo.get('once-0')).toBeUndefined();
    expect(memo.get('once-39')).toBe(39);
    expect(memo.get('never')).toBeUndefined();
  });

  it('never holds a string key longer than its bound, and holds one at the bound', () => {
    const memo = new GenerationalMemo<string, number>(4, 8);
    memo.set('x'.repeat(9), 1);
    expect(memo.get('x'.repeat(9))).toBeUndefined();
    expect(memo.size).toBe(0);
    memo.set('x'.repeat(8), 2);
    expect(memo.get('x'.repeat(8))).toBe(2);
    const numbers = new GenerationalMemo<number, number>(4, 8);
    numbers.set(1234567890123, 3); // the bound is on a string's length: numbers are held
    expect(numbers.get(1234567890123)).toBe(3);
  });

  it('keys the memos by a 53-bit hash: no prompt text is held, and the seed changes every key', () => {
    const h = hash53('hello world', 1);
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(h).toBe(hash53('hello world', 1));
    expect(h).not.toBe(hash53('hello world', 2));
    expect(h).not.toBe(hash53('hello worle', 1));
    // Hashed as UTF-8 four bytes at a time: trailing NULs, lone surrogates (hashed unit by unit, since
    // UTF-8 encodes them all alike) and texts longer than the first buffer still get their own keys.
    expect(hash53('abc', 1)).not.toBe(hash53('abc\u0000', 1));
    expect(hash53('a\ud800', 1)).not.toBe(hash53('a\ud801', 1));
    const long = `${'x'.repeat(5000)}é`;
    expect(hash53(long, 1)).toBe(hash53(`${'x'.repeat(5000)}é`, 1));
    expect(hash53(long, 1)).not.toBe(hash53(`${'x'.repeat(5000)}è`, 1));
    expect(hash53('short', 1)).toBe(hash53('short', 1));
  });
});
