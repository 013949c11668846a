import { runCommand } from '@mydocker/core';
import { parseSave, render, type RuleSet } from './rules';

export async function save(): Promise<ReturnType<typeof parseSave>> {
  return parseSave(await runCommand('iptables-save', []));
}

/** Applies a rule set in one iptables-restore call, leaving every other rule alone. */
export async function apply(rules: RuleSet): Promise<void> {
  const text = render(rules);
  if (text) await runCommand('iptables-restore', ['--noflush', '-w'], { input: text });
}
