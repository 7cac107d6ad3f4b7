/** The shipped default rule set, validated at load and compiled once. Tuned on the simulator (eval/). */

import { type CompiledRuleSet, compileRuleSet } from './compile';
import document from './default-rules.json';
import { type RuleSet, ruleSetSchema } from './schema';

export const DEFAULT_RULE_SET: RuleSet = ruleSetSchema.parse(document);

let compiled: CompiledRuleSet | null = null;

export function defaultRules(): CompiledRuleSet {
  compiled ??= compileRuleSet(DEFAULT_RULE_SET);
  return compiled;
}
