import type { CommandArgs, DeclaredFlag, FlagCommand, FlagRegistry } from '@mydocker/core';

/**
 * `run`/`create` options read without yargs, for the command lines whose reading is certain: loading and
 * configuring yargs with every declared flag costs ~30–40 ms of a `run --rm`, more than the parse itself.
 *
 * `flags` are the option tokens before the image as `splitRunArgs` left them (seed spellings rewritten,
 * missing plugins already named); `positional` is the image and the command. Returns undefined for
 * anything yargs might read otherwise, so that yargs parses it and its wording stays for every error and
 * for `--help`: an unknown spelling (`--help` included), a flag this command lacks, `--no-X`, a
 * repeated single-valued flag (yargs makes it a list), a value that starts with `-` or is missing, a
 * boolean given anything but `=true`/`=false`, a list value that yargs would turn into a number
 * (`-p 8080` → 8080, `-e 0x10` → 16), `-X=v` forms and short groups with a value inside.
 * src/__tests__/run-argv.test.ts checks the RunSpec against yargs' over many shapes.
 */
export function fastRunArgs(flags: string[], positional: string[], registry: FlagRegistry, verb: FlagCommand): CommandArgs | undefined {
  const reader = new OptionReader(registry, verb, positional);
  for (let i = 0; i < flags.length; i++) {
    const token = flags[i];
    const long = /^--([a-z][a-z0-9-]+)(?:=([\s\S]*))?$/.exec(token);
    const defs = long ? [long[1].startsWith('no-') ? undefined : reader.find(long[1])] : shortGroup(token, reader);
    if (!defs || defs.some((d) => !d)) return undefined;
    const last = defs[defs.length - 1] as DeclaredFlag;
    // Every letter of a group but the last is a switch (yargs gives a value flag there an empty string).
    for (const d of defs.slice(0, -1)) if (d?.type !== 'boolean' || !reader.set(d, true)) return undefined;
    const inline = long?.[2];
    if (last.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return undefined;
      // yargs takes a `true`/`false` right after a switch as its value; splitRunArgs made it the image.
      if (inline === undefined && i + 1 === flags.length && /^(true|false)$/.test(positional[0] ?? '')) return undefined;
      if (!reader.set(last, inline === undefined || inline === 'true')) return undefined;
      continue;
    }
    const value = inline ?? flags[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-')) || !reader.set(last, value)) return undefined;
  }
  return reader.args;
}

/** The values read so far, and the rules of which spellings and repetitions are certain. */
class OptionReader {
  readonly args: CommandArgs;
  private readonly given = new Set<string>();

  constructor(
    private readonly registry: FlagRegistry,
    private readonly verb: FlagCommand,
    positional: string[],
  ) {
    this.args = { _: [...positional], rest: [...positional] };
  }

  /** The flag a name or alias spells (not a seed spelling), if this command takes it. */
  find(spelling: string): DeclaredFlag | undefined {
    const def = this.registry.find(spelling);
    const spelled = def !== undefined && (def.name === spelling || (def.alias ?? []).includes(spelling));
    return spelled && (!def.commands || def.commands.includes(this.verb)) ? def : undefined;
  }

  /** Records a value; false where yargs' reading would differ (a repeated single value, a number). */
  set(def: DeclaredFlag, value: string | boolean): boolean {
    if (def.type === 'array') {
      // yargs turns a list value that looks like a number into one; String() gives it back unless it
      // was spelled otherwise (0x10, 1e5, 1.0).
      if (typeof value !== 'string' || (looksLikeNumber(value) && String(Number(value)) !== value)) return false;
      ((this.args[def.name] as string[] | undefined) ??= []).push(value);
      return true;
    }
    if (this.given.has(def.name)) return false;
    this.given.add(def.name);
    this.args[def.name] = value;
    return true;
  }
}

/** A group of short flags (`-i`, `-it`, `-dm`): the flag of each letter, or undefined for another shape. */
function shortGroup(token: string, reader: OptionReader): (DeclaredFlag | undefined)[] | undefined {
  if (!/^-[a-zA-Z]+$/.test(token)) return undefined;
  return token
    .slice(1)
    .split('')
    .map((l) => reader.find(l));
}

/** yargs-parser's test for a value it turns into a number. */
function looksLikeNumber(x: string): boolean {
  if (/^0x[0-9a-f]+$/i.test(x)) return true;
  if (/^0[^.]/.test(x)) return false;
  return /^[-]?(?:\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/.test(x);
}
