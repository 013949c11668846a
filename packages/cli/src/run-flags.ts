import { MissingPluginError, type DeclaredFlag, type FlagDeclaration, type FlagRegistry } from '@mydocker/core';
import { FLAG_PACKAGES } from './hints';

/** The owner under which the CLI declares its own flags (its help group, too). */
export const CLI_OWNER = '@mydocker/cli';

/**
 * The CLI's own `run`/`create` flags: what the container model itself holds (name, env, user, the
 * attach and stop settings). Every other flag is declared by the plugin that handles it
 * (`bus.flags.declare`), so this table names no plugin flag. `detach` is `run`'s only: Docker's `create`
 * has no -d (`start` decides).
 */
export const CLI_RUN_FLAGS: FlagDeclaration[] = [
  { name: 'detach', commands: ['run'], alias: ['d'], type: 'boolean', describe: 'Run in the background and print the container id' },
  { name: 'tty', alias: ['t'], type: 'boolean', describe: 'Allocate a pseudo-terminal' },
  { name: 'interactive', alias: ['i'], type: 'boolean', describe: 'Keep stdin open' },
  { name: 'name', type: 'string', describe: 'Container name', seed: ['-name'], nonEmpty: true },
  { name: 'env', alias: ['e'], type: 'array', describe: 'Set an environment variable (KEY=VALUE, or KEY to copy yours)' },
  { name: 'env-file', type: 'array', describe: 'Read environment variables from a file' },
  { name: 'rm', type: 'boolean', describe: 'Remove the container when it exits' },
  { name: 'hostname', type: 'string', describe: 'Container host name (default: the short container id)', nonEmpty: true },
  { name: 'workdir', alias: ['w'], type: 'string', describe: 'Working directory inside the container', nonEmpty: true },
  { name: 'user', alias: ['u'], type: 'string', describe: 'UID[:GID] to run as', nonEmpty: true },
  { name: 'entrypoint', type: 'string', describe: "Override the image's entrypoint" },
  { name: 'read-only', type: 'boolean', describe: 'Mount the root filesystem read-only' },
  { name: 'label', alias: ['l'], type: 'array', describe: 'Set a label on the container (KEY=VALUE)' },
  { name: 'label-file', type: 'array', describe: 'Read labels from a file of KEY=VALUE lines' },
  { name: 'attach', alias: ['a'], type: 'array', describe: 'Attach to STDIN, STDOUT or STDERR (repeatable)' },
  { name: 'sig-proxy', type: 'boolean', describe: 'Proxy received signals to the process (default true)' },
  { name: 'detach-keys', type: 'string', describe: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  { name: 'cidfile', type: 'string', describe: 'Write the container id to this file (refused if it exists)' },
  { name: 'stop-signal', type: 'string', describe: 'Signal that stops the container (default SIGTERM)' },
  { name: 'stop-timeout', type: 'string', describe: 'Seconds to wait for a stop before SIGKILL (default 10; -1: no limit)' },
  { name: 'restart', type: 'string', describe: 'Restart policy: no, on-failure[:max-retries], always, unless-stopped' },
];

/** Which spelling a token names: `--memory=1g` → `memory`, `-m` → `m`, `-cpushare` → `-cpushare`. */
function spellingOf(token: string): string {
  const bare = token.split('=')[0];
  return bare.startsWith('--') ? bare.slice(2) : bare.length === 2 ? bare.slice(1) : bare;
}

/**
 * A flag no installed plugin declared: if it is one a mydocker package brings, the sentence names the
 * package to install (exit 125); otherwise yargs refuses it as unknown.
 */
function refuseMissing(spelling: string, shown: string): void {
  const pkg = FLAG_PACKAGES[spelling];
  if (pkg) throw new MissingPluginError(`The ${shown} flag`, pkg);
}

/**
 * Splits `run` arguments at the image: everything before it is ours (with the seed's single-dash long
 * flags rewritten for yargs), everything from the image on is the container's. `flags` is every declared
 * flag (the CLI's and the plugins'); it tells which ones take a value.
 */
export function splitRunArgs(args: string[], flags: FlagRegistry): { flags: string[]; rest: string[] } {
  const declared = flags.list();
  const booleanShorts = new Set(declared.filter((f) => f.type === 'boolean').flatMap((f) => (f.alias ?? []).filter((a) => a.length === 1)));
  // yargs reads `--no-X` as X=false for a boolean X (`--no-healthcheck`): that spelling names X.
  const lookup = (spelling: string): DeclaredFlag | undefined => {
    const negated = spelling.startsWith('no-') ? flags.find(spelling.slice(3)) : undefined;
    return flags.find(spelling) ?? (negated?.type === 'boolean' ? negated : undefined);
  };
  const out: string[] = [];
  let i = 0;
  while (i < args.length) {
    let token = args[i];
    if (token === '--') {
      i++;
      break;
    }
    if (!token.startsWith('-') || token === '-') break;
    const bare = token.split('=')[0];
    const seed = !bare.startsWith('--') && bare.length > 2 ? lookup(bare) : undefined;
    if (seed) token = `--${seed.name}${token.includes('=') ? token.slice(token.indexOf('=')) : ''}`;
    else if (!bare.startsWith('--') && bare.length > 2 && FLAG_PACKAGES[bare]) refuseMissing(bare, bare);
    out.push(token);
    i++;
    let takesValue = false;
    if (token.startsWith('--')) {
      const def = lookup(spellingOf(token));
      if (!def) refuseMissing(spellingOf(token), token.split('=')[0]);
      takesValue = def !== undefined && def.type !== 'boolean' && !token.includes('=');
    } else if (token.length >= 2) {
      // A group of short flags (-ti, -dm 10m): only the last one may take a value, the next token.
      const letters = token.slice(1);
      for (const l of letters) if (!lookup(l) && /[a-zA-Z]/.test(l)) refuseMissing(l, `-${l}`);
      const last = letters[letters.length - 1];
      const allBooleanBefore = [...letters.slice(0, -1)].every((l) => booleanShorts.has(l));
      const lastDef = lookup(last);
      takesValue = allBooleanBefore && lastDef !== undefined && lastDef.type !== 'boolean' && (lastDef.alias ?? []).includes(last);
    }
    if (takesValue && i < args.length) out.push(args[i++]);
  }
  return { flags: out, rest: args.slice(i) };
}
