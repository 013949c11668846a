import { humanSize, MydockerError, UsageError, type CommandContext, type CommandArgs } from '@mydocker/core';
import { createInterface } from 'node:readline';
import { storageFor } from '../storage';
import { diskUsage } from '../util/fs';
import { volumeLabels } from './volume-list';

/** KEY=VALUE entries → a labels object (a bare KEY has the empty value, as Docker's --label). */
export function labelMap(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = eq === -1 ? e : e.slice(0, eq);
    if (key === '') throw new UsageError(`Invalid label "${e}": use KEY=VALUE with a non-empty KEY.`);
    out[key] = eq === -1 ? '' : e.slice(eq + 1);
  }
  return out;
}

/** A volume's labels as Docker shows them: the user's, plus Docker's mark on anonymous volumes. */
interface LabelFilter {
  negate: boolean;
  key: string;
  value?: string;
}

/** `--filter label=KEY[=VALUE]` / `label!=KEY[=VALUE]`, the filters `volume prune` takes (Docker's). */
export function parsePruneFilters(values: string[]): LabelFilter[] {
  return values.map((raw) => {
    const m = /^(label!?)=(.*)$/.exec(raw);
    if (!m) {
      const key = raw.split('=')[0].replace(/!$/, '');
      if (!raw.includes('=')) throw new UsageError(`Bad format of filter "${raw}" (expected name=value).`);
      throw new MydockerError(`Invalid filter '${key}'.`, 1);
    }
    const eq = m[2].indexOf('=');
    if (m[2] === '' || eq === 0) throw new UsageError(`Invalid filter "${raw}": give label=KEY or label=KEY=VALUE.`);
    return { negate: m[1] === 'label!', key: eq === -1 ? m[2] : m[2].slice(0, eq), ...(eq === -1 ? {} : { value: m[2].slice(eq + 1) }) };
  });
}

export function matchesLabels(labels: Record<string, string>, filters: LabelFilter[]): boolean {
  return filters.every((f) => {
    const has = f.key in labels && (f.value === undefined || labels[f.key] === f.value);
    return f.negate ? !has : has;
  });
}

/** Reads one line from stdin; no terminal and no input count as "no". */
async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.stdout.write(question);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * `volume prune [-f] [-a] [--filter label=…]`: removes the volumes no container (in any state) mounts —
 * anonymous ones only unless --all, as Docker since 23.0 — and prints what it removed and the space freed.
 */
export async function pruneVolumes(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const { volumeUsers } = await import('../commands/volume-commands');
  const filters = parsePruneFilters(((args.filter as unknown[]) ?? []).map(String));
  const all = Boolean(args.all);
  if (!args.force) {
    const what = all ? 'all local volumes' : 'anonymous local volumes';
    const ok = await confirm(ctx, `WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue? [y/N] `);
    if (!ok) return 0;
  }
  const volumes = storageFor(ctx.bus).volumes;
  const users = await volumeUsers(ctx);
  const removed: string[] = [];
  let bytes = 0;
  for (const v of await volumes.list()) {
    if (users.has(v.name) || (!all && !v.anonymous) || !matchesLabels(volumeLabels(v), filters)) continue;
    bytes += (await diskUsage(v.mountpoint)).bytes;
    await volumes.remove(v.name);
    await ctx.bus.emitEvent({ type: 'volume', action: 'destroy', id: v.name, attributes: { driver: 'local' } });
    removed.push(v.name);
  }
  if (removed.length) ctx.stdout.write(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
  ctx.stdout.write(`Total reclaimed space: ${humanSize(bytes)}\n`);
  return 0;
}
