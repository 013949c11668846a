import { UsageError, type CommandArgs, type FlagCommand, type FlagRegistry, type RegisteredCommand } from '@mydocker/core';
import { plainArgs } from './plain-argv';
import { fastRunArgs } from './run-argv';
import { splitRunArgs } from './run-flags';

/**
 * Parses one command's arguments; every parse error is a UsageError (exit 125). A `run`/`create` command
 * line (run-argv.ts), or any other command's line of bare words (plain-argv.ts), is read without yargs
 * when its reading is certain; anything else, `--help` and every error included, goes through yargs.
 */
export function parseArgs(cmd: RegisteredCommand, name: string, rest: string[], flags: FlagRegistry): CommandArgs | undefined {
  const verb = cmd.rawArgs ? /^(run|create) /.exec(cmd.command)?.[1] : undefined;
  let argv = rest;
  if (verb) {
    const split = splitRunArgs(rest, flags);
    const fast = fastRunArgs(split.flags, split.rest, flags, verb as FlagCommand);
    if (fast) return fast;
    argv = split.rest.length > 0 && split.rest[0].startsWith('-') ? [...split.flags, '--', ...split.rest] : [...split.flags, ...split.rest];
  } else {
    const plain = plainArgs(cmd, name, rest);
    if (plain) return plain;
  }
  return parseWithYargs(cmd, name, argv);
}

/** yargs, configured from the command's builder (which declares its options and positionals). */
export function parseWithYargs(cmd: RegisteredCommand, name: string, argv: string[]): CommandArgs | undefined {
  const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
  const y = yargs(argv)
    .scriptName(`mydocker ${name}`)
    .usage(`mydocker ${cmd.command}\n\n${cmd.describe}`)
    .parserConfiguration({
      'greedy-arrays': false,
      'parse-positional-numbers': false,
      'halt-at-non-option': Boolean(cmd.rawArgs),
      'unknown-options-as-args': false,
    })
    .help('help')
    .version(false)
    .strict()
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError(`${(msg ?? err?.message ?? 'invalid arguments').replace(/\.$/, '')}. See 'mydocker ${name} --help'.`);
    });
  let helpShown = false;
  y.command({
    command: cmd.rawArgs ? '$0' : `$0 ${cmd.command.split(' ').slice(1).join(' ')}`.trim(),
    describe: cmd.describe,
    builder: (inner) => {
      const built = cmd.builder ? cmd.builder(inner) : inner;
      // Names and id prefixes such as 895049 or 1e5 must stay strings, never become numbers.
      for (const [, name] of cmd.command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)) built.positional(name, { type: 'string' });
      return built;
    },
    handler: () => undefined,
  });
  // Synchronous: no builder or handler here returns a promise, so parse returns the arguments themselves.
  const args = y.parse(argv, {}, (_err: unknown, _parsed: unknown, output: string) => {
    if (output) {
      helpShown = true;
      process.stdout.write(`${output}\n`);
    }
  }) as CommandArgs;
  if (helpShown) return undefined;
  if (cmd.rawArgs) args.rest = (args._ as unknown[]).map(String);
  return args;
}
