import { UsageError, type CommandRegistry, type CommandSpec } from '@mydocker/core';

/** Docker's `container VERB` names for the top-level commands (`container ls` is `ps`). */
const ALIASES: Record<string, string> = { ls: 'ps', list: 'ps', ps: 'ps', remove: 'rm' };
const VERBS = [
  'run',
  'create',
  'start',
  'restart',
  'stop',
  'kill',
  'rm',
  'inspect',
  'logs',
  'exec',
  'cp',
  'commit',
  'export',
  'stats',
  'wait',
  'attach',
  'pause',
  'unpause',
  'top',
  'port',
  'rename',
  'update',
  'diff',
];

function verbs(registry: CommandRegistry): string[] {
  return ['ls', ...VERBS.filter((v) => registry.get(v))];
}

/** Listed in `--help`; `main` turns `container VERB ...` into the top-level command before parsing. */
export const containerCommand: CommandSpec = {
  command: 'container <verb>',
  describe: 'Manage containers: Docker\'s "container ls", "container rm", ... for the commands above',
  async run() {
    throw new Error('container VERB is rewritten before it runs');
  },
};

/**
 * `container ls -a` → `ps -a`, `container rm x` → `rm x`: only verbs whose command is installed. Returns
 * the command and arguments to run, or a help text to print.
 */
export function resolveContainerGroup(registry: CommandRegistry, rest: string[]): { command: string; rest: string[] } | { help: string } {
  const [verb, ...args] = rest;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    return {
      help: `Usage: mydocker container COMMAND\n\nManage containers (Docker's names for the top-level commands).\n\nCommands:\n${verbs(registry)
        .map((v) => `  ${v}`)
        .join('\n')}\n`,
    };
  }
  const command = ALIASES[verb] ?? verb;
  if (!VERBS.includes(command) && command !== 'ps') throw new UsageError(`Unknown command "container ${verb}": run 'mydocker container --help' for the list.`);
  return { command, rest: args };
}
