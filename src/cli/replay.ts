/**
 * Replay a traffic log through the engine: `npm run --silent replay -- [--rules FILE] < traffic.jsonl`.
 * One decision line per record, in order; the decisions for each chunk of input are written before
 * the next chunk is read, so a driver can react to a decision before it sends more.
 */
import { readFileSync, readSync, writeSync } from 'node:fs';
import { DEV_PEPPER } from '../engine/dev-pepper';
import { engineKeys } from '../engine/fingerprint';
import { MemoryEngine } from '../engine/memory-state';
import { replayLine } from '../engine/record';
import { compileRuleSet, RuleSetError } from '../engine/rules/compile';
import { defaultRules } from '../engine/rules/defaults';
import { nodeByteLength } from './byte-length';

function usage(message?: string): never {
  if (message) process.stderr.write(`replay: ${message}\n`);
  process.stderr.write('usage: npm run --silent replay -- [--rules FILE] [--pepper P] [--trusted-org-header NAME] < traffic.jsonl\n');
  process.exit(2);
}

function parseArgs(argv: string[]): { rules?: string; pepper?: string; orgHeader?: string } {
  const out: { rules?: string; pepper?: string; orgHeader?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--rules') out.rules = next();
    else if (a === '--pepper') out.pepper = next();
    else if (a === '--trusted-org-header') out.orgHeader = next();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

function loadRules(path: string | undefined) {
  if (!path) return defaultRules();
  try {
    return compileRuleSet(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    if (err instanceof RuleSetError) usage(`${path}: ${err.message}`);
    usage(`${path}: ${(err as Error).message}`);
  }
}

const args = parseArgs(process.argv.slice(2));
const engine = new MemoryEngine({
  rules: loadRules(args.rules),
  keys: engineKeys(args.pepper ?? process.env.KEY_PEPPER ?? DEV_PEPPER),
  trustedOrgHeader: args.orgHeader ?? null,
});

const handle = (line: string) => replayLine(engine, line, nodeByteLength);

/**
 * Synchronous reads and writes: no event-loop turn or idle wait between chunks, and each chunk's
 * decisions are written before the next read, as the contract asks. A pipe returns what is available.
 */
function run(): void {
  let buffer = Buffer.allocUnsafe(1 << 20);
  let held = 0; // bytes of an unfinished line kept at the buffer's start
  for (;;) {
    if (held === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]); // a line over 1 MiB
    const n = readChunk(buffer, held);
    if (n === 0) break;
    const end = held + n;
    // Lines are cut on the byte 0x0a (never part of a multi-byte UTF-8 character) and decoded one by
    // one: no decoding of a whole chunk into one string that is then split and copied again.
    const filled = buffer.subarray(0, end);
    let start = 0;
    let out = '';
    for (let nl = filled.indexOf(10); nl !== -1; nl = filled.indexOf(10, start)) {
      out += handle(buffer.toString('utf8', start, nl));
      start = nl + 1;
    }
    if (out) writeAll(out);
    held = end - start;
    buffer.copy(buffer, 0, start, end);
  }
  const out = handle(buffer.toString('utf8', 0, held));
  if (out) writeAll(out);
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function readChunk(buffer: Buffer, offset: number): number {
  for (;;) {
    try {
      return readSync(0, buffer, offset, buffer.length - offset, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(PAUSE, 0, 0, 1); // a non-blocking stdin with nothing yet: wait a millisecond
        continue;
      }
      if (code === 'EOF') return 0;
      throw err;
    }
  }
}

function writeAll(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(1, bytes, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

run();
