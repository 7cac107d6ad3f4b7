/**
 * Replay a traffic log through the engine: `npm run --silent replay -- [--rules FILE] < traffic.jsonl`.
 * One decision line per record, in order; the decisions for each chunk of input are written before
 * the next chunk is read, so a driver can react to a decision before it sends more.
 */
import { readFileSync } from 'node:fs';
import { DEV_PEPPER } from '../engine/dev-pepper';
import { engineKeys } from '../engine/fingerprint';
import { MemoryEngine } from '../engine/memory-state';
import { decisionLine, errorLine, parseRecord, RecordError } from '../engine/record';
import { compileRuleSet, RuleSetError } from '../engine/rules/compile';
import { defaultRules } from '../engine/rules/defaults';

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

function handle(line: string): string {
  if (line.trim() === '') return '';
  try {
    const rec = parseRecord(line);
    const { decision, features } = engine.process(rec.raw, rec.ts);
    if (rec.response && !MemoryEngine.stopped(decision)) engine.observeResponse(features, rec.response.usage, rec.response.org, rec.ts);
    return `${JSON.stringify(decisionLine(rec.id, decision))}\n`;
  } catch (err) {
    const id = err instanceof RecordError ? err.id : null;
    return `${JSON.stringify(errorLine(id, err instanceof Error ? err.message : String(err)))}\n`;
  }
}

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  let out = '';
  for (const line of lines) out += handle(line);
  if (out) process.stdout.write(out);
});
process.stdin.on('end', () => {
  const out = handle(pending);
  if (out) process.stdout.write(out);
});
