import type { CommandArgs, RegisteredCommand } from '@mydocker/core';

/**
 * A command line of bare words (`stop web db`, `rm ID`, `container-cleanup ID`, `ps`) read without yargs:
 * configuring yargs costs ~10 ms of each `stop` and `rm`, and such a line has only one reading. Returns
 * undefined for anything else (a token starting with `-`, a missing or extra word, a command whose builder
 * does more than declare plain options), which yargs then parses, so its wording stays for every error
 * and for `--help`. src/__tests__/plain-argv.test.ts checks the result against yargs' for every command.
 */
export function plainArgs(cmd: RegisteredCommand, name: string, words: string[]): CommandArgs | undefined {
  // `help` as a word is yargs' help too.
  if (cmd.rawArgs || words.some((w) => w.startsWith('-') || w === 'help')) return undefined;
  const options = declaredOptions(cmd);
  if (!options) return undefined;
  const args: CommandArgs = { _: [], $0: `mydocker ${name}` };
  const positionals = [...cmd.command.matchAll(/([<[])([\w-]+)(\.\.)?[>\]]/g)].map((m) => ({
    required: m[1] === '<',
    key: m[2],
    variadic: m[3] !== undefined,
  }));
  let next = 0;
  for (const p of positionals) {
    const taken = p.variadic ? words.slice(next) : words.slice(next, next + 1);
    next += taken.length;
    if (taken.length === 0) {
      if (p.required) return undefined;
      // yargs gives an empty list once any positional was given, and nothing when none was.
      if (p.variadic && words.length > 0) setAll(args, [p.key], []);
      continue;
    }
    setAll(args, [p.key], p.variadic ? taken : taken[0]);
  }
  if (next < words.length) return undefined;
  for (const o of options) if (o.default !== undefined) setAll(args, [o.key, ...o.aliases], o.default);
  return args;
}

interface PlainOption {
  key: string;
  aliases: string[];
  default?: unknown;
}

// What an option may say and still have only one reading when it is not given.
const PLAIN_OPTION_KEYS = new Set(['alias', 'type', 'describe', 'description', 'desc', 'default', 'hidden']);

/**
 * The options a command's builder declares, read by handing it a recorder instead of yargs; undefined when
 * it calls anything but `option`/`positional` (checks, sub-commands, conflicts), or declares anything
 * beyond a name, aliases, a type, a text and a default.
 */
function declaredOptions(cmd: RegisteredCommand): PlainOption[] | undefined {
  const options: PlainOption[] = [];
  if (!cmd.builder) return options;
  let plain = true;
  const recorder: unknown = new Proxy(
    {},
    {
      get(_target, method) {
        return (key: unknown, opts: Record<string, unknown> = {}) => {
          const known = method === 'option' || method === 'positional';
          if (!known || typeof key !== 'string' || Object.keys(opts).some((k) => !PLAIN_OPTION_KEYS.has(k))) plain = false;
          else if (method === 'positional' && opts.default !== undefined) plain = false;
          else if (method === 'option') options.push({ key, aliases: aliasesOf(opts.alias), default: opts.default });
          return recorder;
        };
      },
    },
  );
  try {
    if (cmd.builder(recorder as Parameters<NonNullable<RegisteredCommand['builder']>>[0]) !== recorder) return undefined;
  } catch {
    return undefined;
  }
  return plain ? options : undefined;
}

function aliasesOf(alias: unknown): string[] {
  if (typeof alias === 'string') return [alias];
  return Array.isArray(alias) ? alias.filter((a): a is string => typeof a === 'string') : [];
}

/** yargs sets a value under each of its names and their camel-case and kebab-case spellings. */
function setAll(args: CommandArgs, keys: string[], value: unknown): void {
  for (const key of keys) {
    args[key] = value;
    if (key.includes('-')) args[key.replace(/-+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase())] = value;
    if (/[A-Z]/.test(key)) args[key.replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a}-${b.toLowerCase()}`)] = value;
  }
}
