import { run } from './exec';
import { parseSave, render, type RuleSet } from './rules';

export async function save(): Promise<ReturnType<typeof parseSave>> {
  return parseSave(await run('iptables-save', []));
}

/** Applies a rule set in one iptables-restore call, leaving every other rule alone. */
export async function apply(rules: RuleSet): Promise<void> {
  const text = render(rules);
  if (text) await run('iptables-restore', ['--noflush', '-w'], text);
}
