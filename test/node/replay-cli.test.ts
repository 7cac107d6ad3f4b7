/**
 * The replay CLI as a driver uses it: one decision per record, in order, written before the next record
 * is read; and the simulator and the replay (the same engine, two shells) agree on the same traffic.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadCorpus } from '../../eval/corpus';
import params from '../../eval/params.json';
import { buildPopulation, type SimParams } from '../../eval/populations';
import { Rng } from '../../eval/rng';
import { simulate } from '../../eval/simulate';
import { WRAPPERS } from '../../eval/wrappers';
import { nodeByteLength } from '../../src/cli/byte-length';
import { DEV_PEPPER } from '../../src/engine/dev-pepper';
import { engineKeys } from '../../src/engine/fingerprint';
import { MemoryEngine } from '../../src/engine/memory-state';
import { decisionJson, decisionLine, parseRecord, utf8Length } from '../../src/engine/record';
import { defaultRules } from '../../src/engine/rules/defaults';
import type { Decision } from '../../src/engine/types';
import { testCorpusDir } from './helpers/corpus';

const T0_TS = Date.UTC(2027, 0, 1);

function replay(args: string[] = []): ChildProcessWithoutNullStreams {
  // The command the contract names: npm bundles the CLI, then runs it.
  return spawn('npm', ['run', '--silent', 'replay', '--', ...args], { env: { ...process.env, KEY_PEPPER: '' } });
}

const record = (id: string, ts: number, prompt: string, key = 'sk-ant-replay') => ({
  id,
  ts,
  method: 'POST',
  url: 'https://api.example.com/v1/messages',
  headers: { 'x-api-key': key, 'content-type': 'application/json', 'user-agent': 'python-requests/2.32.3' },
  ip: `100.64.${Math.floor(ts / 60_000) % 250}.9`,
  body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8192, messages: [{ role: 'user', content: prompt }] }),
  response: { status: 200, usage: { input_tokens: 50, output_tokens: 1500 } },
});

describe('replay CLI', () => {
  it('answers each record in order before reading the next, and keeps going past bad lines', async () => {
    const child = replay();
    const lines = createInterface({ input: child.stdout });
    const next = () => new Promise<Record<string, unknown>>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
    const decisions: Array<Record<string, unknown>> = [];
    // Interactive: the driver waits for each decision before it sends the next record.
    for (let i = 0; i < 12; i++) {
      const pending = next();
      child.stdin.write(
        `${JSON.stringify(record(`r${i}`, 1_800_000_000_000 + i * 60_000, `Think step by step and show your reasoning: what is ${i} times ${i + 3}, and why?`))}\n`,
      );
      decisions.push(await pending);
    }
    const bad = next();
    child.stdin.write('{"id": "oops", "ts": "yesterday"}\n');
    expect(await bad).toMatchObject({ id: 'oops', action: 'error', reached_origin: false });
    const garbage = next();
    child.stdin.write('not json at all\n');
    expect((await garbage).action).toBe('error');
    child.stdin.end();
    await new Promise((r) => child.on('close', r));

    expect(decisions.map((d) => d.id)).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}`));
    for (const d of decisions) {
      expect(d).toHaveProperty('score');
      expect(d.principal).toMatch(/^k_[0-9a-f]{16}$/);
      expect(JSON.stringify(d)).not.toContain('sk-ant-replay');
      expect(d.reached_origin).toBe(!['throttle', 'challenge', 'block'].includes(d.action as string));
    }
    expect(decisions.some((d) => d.action === 'block' || d.action === 'challenge')).toBe(true);
  });

  it('reads a record longer than its read buffer, and multi-byte text split across reads', async () => {
    const child = replay();
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const long = record('long', 1_800_000_000_000, `Résumé du problème — ${'é, 漢字 and more words '.repeat(120_000)}`);
    const short = record('after', 1_800_000_060_000, 'Hello there');
    const bytes = Buffer.from(`${JSON.stringify(long)}\n${JSON.stringify(short)}\n`);
    expect(bytes.length).toBeGreaterThan(2 << 20);
    // Written in odd-sized pieces so reads end inside multi-byte characters.
    for (let off = 0; off < bytes.length; off += 65_537) child.stdin.write(bytes.subarray(off, off + 65_537));
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; action: string });
    expect(lines.map((l) => l.id)).toEqual(['long', 'after']);
    expect(lines.every((l) => l.action !== 'error')).toBe(true);
  });

  it('rejects an invalid --rules file with the bad fields named', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'dg-rules-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'rules.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        rules: [{ id: 'x', description: 'd', mode: 'on', when: { feature: 'nope', gte: 1 }, points: 5 }],
        evaluator: {},
      }),
    );
    const child = replay(['--rules', path]);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(2);
    expect(stderr).toContain('rules.0.mode');
    expect(stderr).toContain('unknown feature "nope"');
  });

  it('agrees with the simulator, which runs the same engine in process, record for record', async () => {
    const p = structuredClone(params) as unknown as SimParams;
    p.warmupDays = 0.05;
    p.days = 0.1;
    p.benign.developers = 20;
    p.benign.codingAgents = 5;
    for (const c of p.campaigns) c.accounts = Math.max(2, Math.round(c.accounts / 20));
    const lines: string[] = [];
    const actions: string[] = [];
    const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) });
    simulate(engine, buildPopulation(new Rng(7), loadCorpus(0, testCorpusDir()), p, WRAPPERS.tuning), p, {
      onRecord: (line, action) => {
        lines.push(line);
        actions.push(action);
      },
    });
    expect(lines.length).toBeGreaterThan(300);
    const child = replay();
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stdin.end(`${lines.join('\n')}\n`);
    await new Promise((r) => child.on('close', r));
    const replayed = out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { action: string }).action);
    expect(replayed).toEqual(actions);
    expect(new Set(actions).size).toBeGreaterThan(1);
  });

  it('reads header names case-insensitively and keeps only string values', () => {
    const line = (headers: Record<string, unknown>) => JSON.stringify({ ...record('h', T0_TS, 'hi'), headers });
    expect(parseRecord(line({ 'X-Api-Key': 'sk-1', 'Content-Type': 'application/json', n: 3 })).raw.headers).toEqual({
      'x-api-key': 'sk-1',
      'content-type': 'application/json',
    });
    expect(parseRecord(line({ 'x-api-key': 'sk-2', accept: '*/*' })).raw.headers).toEqual({ 'x-api-key': 'sk-2', accept: '*/*' });
  });

  it('writes each decision line as JSON.stringify of the contract object would', () => {
    const decisions: Decision[] = [
      { action: 'allow', wouldAction: 'allow', score: 0, reasons: [], principal: 'k_1', rulesVersion: 0, until: null, breakdown: {} },
      {
        action: 'allow',
        wouldAction: 'block',
        score: 0.123456,
        reasons: ['a', 'b.c'],
        principal: 'anon_x',
        rulesVersion: 3,
        until: null,
        breakdown: {},
      },
      {
        action: 'block',
        wouldAction: 'block',
        score: 1,
        reasons: ['standing.block', 'x"y\\z\n', 'ü😀'],
        principal: 'k_"q"',
        rulesVersion: 1,
        until: 5,
        breakdown: {},
      },
      { action: 'throttle', wouldAction: 'challenge', score: -0, reasons: ['r'], principal: '', rulesVersion: 0, until: 1, breakdown: {} },
      {
        action: 'degrade',
        wouldAction: undefined as unknown as Decision['wouldAction'],
        score: Number.NaN,
        reasons: [],
        principal: 'k',
        rulesVersion: 0,
        until: null,
        breakdown: {},
      },
    ];
    for (const d of decisions) {
      for (const id of ['r1', '', 'id "quoted" \\ \u0001 é']) expect(decisionJson(id, d)).toBe(JSON.stringify(decisionLine(id, d)));
    }
  });

  it("counts body bytes natively as the engine's utf8Length does", () => {
    for (const s of ['', 'abc', 'héllo', '日本語', '😀x', '\ud800', 'a\udc00b', '\ud83d', `${'x'.repeat(1000)}ü😀日`]) {
      expect(nodeByteLength(s)).toBe(utf8Length(s));
    }
  });
});
