/**
 * Engine CPU per request (fingerprint + observe + decide) for 1 KB, 4 KB and 64 KB prompts and a
 * 12-turn tool trajectory, and replay throughput over a simulated log. Prints a table and returns rows.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCorpus } from '../eval/corpus';
import params from '../eval/params.json';
import { buildPopulation, type SimParams } from '../eval/populations';
import { Rng } from '../eval/rng';
import { simulate } from '../eval/simulate';
import { WRAPPERS } from '../eval/wrappers';
import { DEV_PEPPER } from '../src/engine/dev-pepper';
import { engineKeys } from '../src/engine/fingerprint';
import { MemoryEngine } from '../src/engine/memory-state';
import { parseRecord } from '../src/engine/record';
import { defaultRules } from '../src/engine/rules/defaults';
import type { RawRequest } from '../src/engine/types';
import { quantile } from './stats';

export interface Row {
  name: string;
  median: number;
  p99: number;
  unit: string;
  extra?: string;
}

function promptOf(bytes: number, rng: Rng, corpus: string[]): string {
  let text = '';
  while (text.length < bytes) text += `${rng.pick(corpus)}\n`;
  return `${text.slice(0, bytes - 60)}\nExplain your reasoning step by step before answering.`;
}

// As a request's body arrives: text decoded from its bytes, one flat string. `JSON.stringify` builds a
// long result as a rope, which the engine's first `JSON.parse` would flatten at a cost no real body has
// (for the 64 KB prompts, a 128 KB copy on fresh pages: about 40 page faults, ~0.4 ms here).
const utf8 = new TextEncoder();
const fromWire = new TextDecoder();

function request(i: number, body: unknown): RawRequest {
  const bytes = utf8.encode(JSON.stringify(body));
  const text = fromWire.decode(bytes);
  return {
    method: 'POST',
    url: 'https://api.example.com/v1/messages',
    headers: {
      'x-api-key': `sk-bench-${i % 500}`,
      'content-type': 'application/json',
      'user-agent': 'Anthropic/Python 0.68.0',
      'x-stainless-lang': 'python',
    },
    ip: `198.51.${i % 200}.${i % 250}`,
    cf: { asn: 64500 + (i % 40), country: 'US', botManagement: { ja4: 't13d1715h2_5b57614c22b0_3d5424432f57' } },
    body: text,
    bodyBytes: bytes.length,
  };
}

/**
 * `engine.process` over `n` requests whose prompts are all new text (the prompt memo misses, as for the
 * 45% of the simulated day's records whose text is new), after a warm-up on other requests; then over
 * the same `n` again, every prompt a memo hit, for the `extra` column. Until stop 23 the timed requests
 * included the warm-up's, so half of the 1 KB and 4 KB samples, two thirds of the trajectory's and all
 * of the 64 KB ones were memo hits.
 */
function timeEngine(name: string, build: (i: number) => RawRequest, n: number): Row {
  const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) });
  let at = 1_800_000_000_000;
  const tick = () => {
    at += 1000;
    return at;
  };
  for (let i = 0; i < Math.min(2000, n); i++) engine.process(build(n + i), tick()); // numbered past n: other texts
  const requests = Array.from({ length: n }, (_, i) => build(i));
  const pass = () =>
    requests.map((r) => {
      const now = tick();
      const t = performance.now();
      engine.process(r, now);
      return (performance.now() - t) * 1000;
    });
  const fresh = pass().sort((a, b) => a - b);
  const repeated = pass().sort((a, b) => a - b);
  return {
    name,
    median: quantile(fresh, 0.5),
    p99: quantile(fresh, 0.99),
    unit: 'µs',
    extra: `each prompt new text; the same prompts again (memo hits): median ${quantile(repeated, 0.5).toFixed(1)} µs`,
  };
}

export function engineBench(): Row[] {
  const corpus = loadCorpus(0);
  const texts = [...corpus.arena, ...corpus.alpaca, ...corpus.hh].map((p) => p.text);
  const rng = new Rng(11);
  const rows: Row[] = [];
  for (const [label, bytes, n] of [
    ['engine, 1 KB prompt', 1024, 4000],
    ['engine, 4 KB prompt', 4096, 4000],
    ['engine, 64 KB prompt', 65_536, 600],
  ] as const) {
    const prompts = Array.from({ length: 50 }, () => promptOf(bytes, rng, texts));
    rows.push(
      timeEngine(
        label,
        // Each request's prompt is new text (a numbered copy): timeEngine times memo misses first.
        (i) =>
          request(i, { model: 'claude-sonnet-5-5', max_tokens: 4096, messages: [{ role: 'user', content: `${prompts[i % 50]} (#${i})` }] }),
        n,
      ),
    );
  }
  const tools = [{ name: 'bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }];
  rows.push(
    timeEngine(
      'engine, 12-turn tool trajectory',
      (i) => {
        const messages: unknown[] = [{ role: 'user', content: rng.pick(texts) }];
        for (let k = 0; k < 11; k++) {
          messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `t${k}`, name: 'bash', input: { command: 'ls' } }] });
          const result = `${rng.pick(texts).slice(0, 400)} (#${i})`;
          messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${k}`, content: result }] });
        }
        return request(i, { model: 'claude-sonnet-5-5', max_tokens: 8192, system: 'You are a coding agent.', tools, messages });
      },
      3000,
    ),
  );
  return rows;
}

/** State bytes (as stored: JSON) per principal and per cluster after one simulated day of the full mix. */
export function memoryBench(): Row[] {
  const p = structuredClone(params) as unknown as SimParams;
  p.days = 1;
  const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) });
  simulate(engine, buildPopulation(new Rng(3), loadCorpus(0), p, WRAPPERS.tuning), p);
  const sizes = (values: Iterable<unknown>) => [...values].map((v) => JSON.stringify(v).length).sort((a, b) => a - b);
  const principals = sizes(engine.principals.values());
  const clusters = sizes(engine.clusterRecords());
  return [
    {
      name: 'state per principal (JSON)',
      median: quantile(principals, 0.5),
      p99: quantile(principals, 0.99),
      unit: 'bytes',
      extra: `${principals.length} principals`,
    },
    {
      name: 'state per cluster (JSON)',
      median: quantile(clusters, 0.5),
      p99: quantile(clusters, 0.99),
      unit: 'bytes',
      extra: `${clusters.length} clusters kept`,
    },
  ];
}

/** Child runs of the bundled replay loop: the median of three is reported, with the range. */
const LOOP_RUNS = 3;

/** The simulated day's traffic log (seeded: the same lines on every run), one JSON record a line. */
export function simulatedDay(): string[] {
  const p = structuredClone(params) as unknown as SimParams;
  p.days = 1;
  const lines: string[] = [];
  simulate(
    new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) }),
    buildPopulation(new Rng(3), loadCorpus(0), p, WRAPPERS.tuning),
    p,
    {
      onRecord: (line) => lines.push(line),
    },
  );
  return lines;
}

/** `bench/<script>.ts` bundled by esbuild as `npm run replay` bundles the CLI, into `dir`; returns the bundle's path. */
export function bundleScript(script: string, dir: string): string {
  const bundle = join(dir, `${script}.mjs`);
  const args = [
    'esbuild',
    resolve(import.meta.dirname, `${script}.ts`),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--log-level=warning',
  ];
  const build = spawnSync('npx', [...args, `--outfile=${bundle}`], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`bench: could not bundle bench/${script}.ts`);
  return bundle;
}

/**
 * Replay throughput: a simulated day's log, decided record by record by the code `npm run replay`
 * runs (esbuild bundle, node), in a fresh process each run so memos and the JIT start cold, and
 * timed without start-up or I/O (the CLI row below adds both).
 */
export function replayBench(): Row & { records: number; perSecond: number; lines: string[] } {
  const lines = simulatedDay();
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-'));
  const log = join(dir, 'traffic.jsonl');
  writeFileSync(log, `${lines.join('\n')}\n`);
  const bundle = bundleScript('replay-loop', dir);
  const rates: number[] = [];
  const laterRates: number[] = [];
  for (let i = 0; i < LOOP_RUNS; i++) {
    const run = spawnSync('node', [bundle, log], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const out = JSON.parse(run.stdout || '{}') as { records?: number; seconds?: number; laterSeconds?: number };
    if (run.status !== 0 || out.records !== lines.length || !out.seconds || !out.laterSeconds) {
      throw new Error(`replay loop: exit ${run.status}, ${run.stderr}`);
    }
    rates.push(lines.length / out.seconds);
    laterRates.push((lines.length - (lines.length >> 1)) / out.laterSeconds);
  }
  rmSync(dir, { recursive: true, force: true });
  rates.sort((a, b) => a - b);
  laterRates.sort((a, b) => a - b);
  const perSecond = quantile(rates, 0.5);
  const bytes = lines.reduce((s, l) => s + l.length, 0) / lines.length;
  // The simulator draws prompts from a finite corpus, so texts recur (as retries and shared lists do
  // in real traffic) and the prompt memo serves them: say how often.
  const distinct = new Set(lines.map((l) => lastUserTurn(l))).size;
  return {
    name: 'replay throughput (one core, bundled loop)',
    median: perSecond,
    p99: Number.NaN,
    unit: 'records/s',
    extra: `${lines.length} records, mean ${(bytes / 1024).toFixed(1)} KB, ${(100 * (1 - distinct / lines.length)).toFixed(0)}% repeat a prompt text; median of ${LOOP_RUNS} cold runs (${rates.map((r) => `${(r / 1000).toFixed(1)}k`).join(', ')}), second half of the log ${(quantile(laterRates, 0.5) / 1000).toFixed(1)}k; 29 M records in ${(29e6 / perSecond / 60).toFixed(1)} min`,
    records: lines.length,
    perSecond,
    lines,
  };
}

/** The last user turn's text of a log line's body (what the prompt memo is keyed on). */
function lastUserTurn(line: string): string {
  const rec = parseRecord(line);
  try {
    const body = JSON.parse(rec.raw.body) as { messages?: Array<{ content?: unknown }> };
    return JSON.stringify(body.messages?.at(-1)?.content ?? rec.raw.body);
  } catch {
    return rec.raw.body;
  }
}

/** `npm run --silent replay` over the same log from a file, start-up (npm, esbuild, node) included. */
export function replayCliBench(lines: string[]): Row {
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-'));
  writeFileSync(join(dir, 'traffic.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'empty.jsonl'), '');
  const timed = (file: string) => {
    const input = openSync(join(dir, file), 'r');
    const t = performance.now();
    const run = spawnSync('npm', ['run', '--silent', 'replay'], { stdio: [input, 'pipe', 'inherit'], maxBuffer: 1 << 30 });
    const seconds = (performance.now() - t) / 1000;
    closeSync(input);
    return { seconds, decisions: run.stdout.toString().split('\n').filter(Boolean).length, status: run.status };
  };
  const startup = timed('empty.jsonl').seconds;
  const full = timed('traffic.jsonl');
  rmSync(dir, { recursive: true, force: true });
  if (full.status !== 0 || full.decisions !== lines.length) {
    throw new Error(`replay CLI: exit ${full.status}, ${full.decisions} of ${lines.length} decisions`);
  }
  return {
    name: 'replay CLI end to end (npm run replay)',
    median: lines.length / full.seconds,
    p99: Number.NaN,
    unit: 'records/s',
    extra: `${lines.length} records from a file in ${full.seconds.toFixed(2)} s; start-up ${startup.toFixed(2)} s, ${(lines.length / (full.seconds - startup)).toFixed(0)} records/s after it`,
  };
}
