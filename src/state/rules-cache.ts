/** Compiled rule sets by version, shared by the isolate and the Durable Objects living in it. */
import { desc, eq } from 'drizzle-orm';
import { database } from '../db/client';
import { ruleSetVersions } from '../db/schema';
import { type CompiledRuleSet, compileRuleSet } from '../engine/rules/compile';
import { defaultRules } from '../engine/rules/defaults';

const compiled = new Map<number, CompiledRuleSet>();

/** Version 0 is the shipped default set; any other version is read from D1 once and compiled. */
export async function rulesForVersion(db: D1Database, version: number): Promise<CompiledRuleSet> {
  if (version === 0) return defaultRules();
  const hit = compiled.get(version);
  if (hit) return hit;
  const row = await database(db).select().from(ruleSetVersions).where(eq(ruleSetVersions.version, version)).get();
  if (!row) throw new Error(`rule set version ${version} is not in D1`);
  const rules = compileRuleSet(JSON.parse(row.document));
  if (compiled.size > 16) compiled.clear();
  compiled.set(version, rules);
  return rules;
}

/** The current version: the newest row, or 0 (the defaults) when none was ever saved. */
export async function currentRulesVersion(db: D1Database): Promise<number> {
  const row = await database(db)
    .select({ version: ruleSetVersions.version })
    .from(ruleSetVersions)
    .orderBy(desc(ruleSetVersions.version))
    .limit(1)
    .get();
  return row?.version ?? 0;
}
