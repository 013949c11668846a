import type { CommandArgs, RegisteredCommand } from '@mydocker/core';

/**
 * A command line of bare words and simple flags (`stop web db`, `rm -f ID`, `stop -t 0 web`, `ps -a`) read
 * without yargs: configuring yargs costs ~10 ms of each `stop` and `rm`, and such a line has only one
 * reading. Flags read here: a declared boolean as `--name` or in a cluster of short ones (`-fv`), and a
 * declared string as `--name VALUE`, `--name=VALUE` or `-n VALUE`, each at most once. Returns undefined for
 * anything else (any other token starting with `-`, `true`/`false` beside a boolean flag, which yargs may
 * take as its value, a missing or extra word, a command whose builder does more than declare plain
 * options), which yargs then parses, so its wording stays for every error and for `--help`.
 * src/__tests__/plain-argv.test.ts checks the result against yargs' for every command.
 */
export function plainArgs(cmd: RegisteredCommand, name: string, argv: string[]): CommandArgs | undefined {
  // `help` as a word is yargs' help too.
  if (cmd.rawArgs || argv.includes('help')) return undefined;
  const options = declaredOptions(cmd);
  if (!options) return undefined;
  const flags = readFlags(argv, options);
  if (!flags) return undefined;
  const { words, given } = flags;
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
  for (const o of options) {
    const value = given.has(o) ? given.get(o) : o.default;
    if (value !== undefined) setAll(args, [o.key, ...o.aliases], value);
  }
  return args;
}

/**
 * The line's words (positionals, in order) and the flags it gives, or undefined when any token is not one
 * of the simple forms above, or an option is given twice (yargs would make a list of it).
 */
function readFlags(argv: string[], options: PlainOption[]): { words: string[]; given: Map<PlainOption, unknown> } | undefined {
  const byName = new Map<string, PlainOption>();
  for (const o of options) for (const n of [o.key, ...o.aliases]) byName.set(n, o);
  const words: string[] = [];
  const given = new Map<PlainOption, unknown>();
  const give = (o: PlainOption | undefined, value: unknown): boolean => {
    if (!o || given.has(o)) return false;
    given.set(o, value);
    return true;
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-')) {
      words.push(token);
      continue;
    }
    const long = /^--([a-zA-Z][\w-]*)(?:=(.*))?$/s.exec(token);
    const short = /^-([a-zA-Z]+)$/.exec(token);
    if (long) {
      const o = byName.get(long[1]);
      if (o?.type === 'boolean' && long[2] === undefined) {
        if (!give(o, true)) return undefined;
      } else if (o?.type === 'string') {
        const value = long[2] ?? argv[++i];
        if (!plainValue(value) || !give(o, value)) return undefined;
      } else return undefined;
    } else if (short && short[1].length > 1) {
      for (const letter of short[1]) if (byName.get(letter)?.type !== 'boolean' || !give(byName.get(letter), true)) return undefined;
    } else if (short) {
      const o = byName.get(short[1]);
      if (o?.type === 'boolean') {
        if (!give(o, true)) return undefined;
      } else if (o?.type === 'string') {
        const value = argv[++i];
        if (!plainValue(value) || !give(o, value)) return undefined;
      } else return undefined;
    } else return undefined;
  }
  // yargs may read `true`/`false` after a boolean flag as that flag's value.
  if ([...given.values()].includes(true) && words.some((w) => w === 'true' || w === 'false')) return undefined;
  return { words, given };
}

/** A flag's value with one reading: present, not empty, not looking like a flag. */
function plainValue(value: string | undefined): value is string {
  return value !== undefined && value !== '' && !value.startsWith('-');
}

interface PlainOption {
  key: string;
  aliases: string[];
  type?: unknown;
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
          else if (method === 'option') options.push({ key, aliases: aliasesOf(opts.alias), type: opts.type, default: opts.default });
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
