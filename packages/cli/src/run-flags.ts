/**
 * The run flags, in one table: yargs options, the seed's single-dash spellings (`-name test`,
 * `-cpushare 512`, `-net br0`) and which ones take a value, which is what splitting
 * "flags before the image" from "the command's own arguments" needs.
 */
export interface FlagDef {
  name: string;
  alias?: string[];
  type: 'boolean' | 'string' | 'array';
  describe: string;
  /** Single-dash long spellings from the seed, rewritten to `--name` before yargs sees them. */
  seed?: string[];
}

export const RUN_FLAGS: FlagDef[] = [
  { name: 'detach', alias: ['d'], type: 'boolean', describe: 'Run in the background and print the container id' },
  { name: 'tty', alias: ['t'], type: 'boolean', describe: 'Allocate a pseudo-terminal' },
  { name: 'interactive', alias: ['i'], type: 'boolean', describe: 'Keep stdin open' },
  { name: 'name', type: 'string', describe: 'Container name', seed: ['-name'] },
  { name: 'env', alias: ['e'], type: 'array', describe: 'Set an environment variable (KEY=VALUE, or KEY to copy yours)' },
  { name: 'env-file', type: 'array', describe: 'Read environment variables from a file' },
  { name: 'rm', type: 'boolean', describe: 'Remove the container when it exits' },
  { name: 'hostname', type: 'string', describe: 'Container host name (default: the short container id)' },
  { name: 'workdir', alias: ['w'], type: 'string', describe: 'Working directory inside the container' },
  { name: 'user', alias: ['u'], type: 'string', describe: 'UID[:GID] to run as' },
  { name: 'entrypoint', type: 'string', describe: "Override the image's entrypoint" },
  { name: 'read-only', type: 'boolean', describe: 'Mount the root filesystem read-only' },
  { name: 'memory', alias: ['m'], type: 'string', describe: 'Memory limit (e.g. 100m)' },
  { name: 'memory-swap', type: 'string', describe: 'Memory + swap limit (-1: unlimited)' },
  { name: 'cpu-shares', alias: ['c'], type: 'string', describe: 'CPU shares (relative weight)', seed: ['-cpushare'] },
  { name: 'cpus', type: 'string', describe: 'Number of CPUs (e.g. 1.5)' },
  { name: 'cpuset-cpus', type: 'string', describe: 'CPUs allowed (e.g. 0-1)', seed: ['-cpuset'] },
  { name: 'cpuset-mems', type: 'string', describe: 'Memory nodes allowed' },
  { name: 'pids-limit', type: 'string', describe: 'Maximum number of processes' },
  { name: 'volume', alias: ['v'], type: 'array', describe: 'Bind mount or volume (/host:/ctr[:ro], name:/ctr, /ctr)' },
  { name: 'network', alias: ['net'], type: 'string', describe: 'Network to join (bridge network name, none, host)', seed: ['-net', '-network'] },
  { name: 'publish', alias: ['p'], type: 'array', describe: 'Publish a port ([IP:][HOST[-END]:]CTR[-END][/tcp|udp]; no HOST: one is chosen)' },
  { name: 'publish-all', alias: ['P'], type: 'boolean', describe: 'Publish every port the image exposes on chosen host ports' },
  { name: 'network-alias', type: 'array', describe: 'Another name the container answers to on its user-defined network' },
  { name: 'add-host', type: 'array', describe: 'Add a line to /etc/hosts (NAME:IP, IP may be host-gateway)' },
  { name: 'dns', type: 'array', describe: 'Name server for /etc/resolv.conf' },
  { name: 'dns-search', type: 'array', describe: 'Search domain for /etc/resolv.conf' },
  { name: 'dns-option', type: 'array', describe: 'Option for /etc/resolv.conf (e.g. ndots:2)' },
  { name: 'mac-address', type: 'string', describe: 'MAC address of the container (e.g. 02:42:ac:11:00:09)' },
  { name: 'ip', type: 'string', describe: 'IPv4 address on a user-defined network' },
  { name: 'cap-add', type: 'array', describe: 'Add a capability' },
  { name: 'cap-drop', type: 'array', describe: 'Drop a capability' },
  { name: 'privileged', type: 'boolean', describe: 'Give all capabilities and no seccomp filter' },
  { name: 'security-opt', type: 'array', describe: 'no-new-privileges, seccomp=unconfined' },
  { name: 'device', type: 'array', describe: 'Add a host device (HOST[:CONTAINER[:rwm]])' },
  { name: 'log-opt', type: 'array', describe: 'Log options (max-size=10m, max-file=3, path=FILE for k8s-file)' },
  { name: 'log-driver', type: 'string', describe: 'Logging driver: k8s-file (default), json-file, none' },
  { name: 'label', alias: ['l'], type: 'array', describe: 'Set a label on the container (KEY=VALUE)' },
  { name: 'label-file', type: 'array', describe: 'Read labels from a file of KEY=VALUE lines' },
  { name: 'mount', type: 'array', describe: 'Attach a mount: type=bind|volume|tmpfs,source=,target=[,readonly][,...]' },
  { name: 'tmpfs', type: 'array', describe: 'Mount a tmpfs (/path[:mount options, e.g. size=64m,mode=1777])' },
  { name: 'platform', type: 'string', describe: 'Platform to pull if the image is not stored (OS/ARCH[/VARIANT], e.g. linux/arm64)' },
  { name: 'pull', type: 'string', describe: 'Pull the image before running: missing (default), always, never' },
  { name: 'attach', alias: ['a'], type: 'array', describe: 'Attach to STDIN, STDOUT or STDERR (repeatable)' },
  { name: 'sig-proxy', type: 'boolean', describe: 'Proxy received signals to the process (default true)' },
  { name: 'detach-keys', type: 'string', describe: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  { name: 'init', type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'cidfile', type: 'string', describe: 'Write the container id to this file (refused if it exists)' },
  { name: 'stop-signal', type: 'string', describe: 'Signal that stops the container (default SIGTERM)' },
  { name: 'stop-timeout', type: 'string', describe: 'Seconds to wait for a stop before SIGKILL (default 10; -1: no limit)' },
  { name: 'restart', type: 'string', describe: 'Restart policy: no, on-failure[:max-retries], always, unless-stopped' },
  { name: 'health-cmd', type: 'string', describe: 'Command to run to check health (run by /bin/sh -c)' },
  { name: 'health-interval', type: 'string', describe: 'Time between running the check (ms|s|m|h) (default 30s)' },
  { name: 'health-timeout', type: 'string', describe: 'Maximum time to allow one check to run (ms|s|m|h) (default 30s)' },
  { name: 'health-retries', type: 'string', describe: 'Consecutive failures needed to report unhealthy (default 3)' },
  { name: 'health-start-period', type: 'string', describe: 'Start period during which failures do not count (ms|s|m|h) (default 0s)' },
  // Spelled --no-healthcheck: yargs reads a "no-" prefix as the negation of the flag it precedes.
  { name: 'healthcheck', type: 'boolean', describe: '--no-healthcheck: disable any container-specified HEALTHCHECK' },
];

/** Flags of `run` that `create` does not take (Docker's create has no -d: `start` decides). */
export const RUN_ONLY_FLAGS = new Set(['detach']);

const BOOLEAN_SHORTS = new Set(RUN_FLAGS.filter((f) => f.type === 'boolean').flatMap((f) => (f.alias ?? []).filter((a) => a.length === 1)));

function lookup(token: string): FlagDef | undefined {
  const bare = token.replace(/^--?/, '').split('=')[0];
  return RUN_FLAGS.find((f) => f.name === bare || f.alias?.includes(bare));
}

/**
 * Splits `run` arguments at the image: everything before it is ours (with the seed's single-dash long
 * flags rewritten for yargs), everything from the image on is the container's.
 */
export function splitRunArgs(args: string[]): { flags: string[]; rest: string[] } {
  const flags: string[] = [];
  let i = 0;
  while (i < args.length) {
    let token = args[i];
    if (token === '--') {
      i++;
      break;
    }
    if (!token.startsWith('-') || token === '-') break;
    const seed = RUN_FLAGS.find((f) => f.seed?.includes(token.split('=')[0]));
    if (seed) token = `--${seed.name}${token.includes('=') ? token.slice(token.indexOf('=')) : ''}`;
    flags.push(token);
    i++;
    const def = token.startsWith('--') ? lookup(token) : undefined;
    let takesValue = def !== undefined && def.type !== 'boolean' && !token.includes('=');
    if (!token.startsWith('--') && token.length >= 2) {
      // A group of short flags (-ti, -dm 10m): only the last one may take a value, the next token.
      const letters = token.slice(1);
      const last = letters[letters.length - 1];
      const allBooleanBefore = [...letters.slice(0, -1)].every((l) => BOOLEAN_SHORTS.has(l));
      const lastDef = RUN_FLAGS.find((f) => f.alias?.includes(last));
      takesValue = allBooleanBefore && lastDef !== undefined && lastDef.type !== 'boolean';
      if (letters.length > 1 && !allBooleanBefore && lastDef === undefined) takesValue = false;
    }
    if (takesValue && i < args.length) flags.push(args[i++]);
  }
  return { flags, rest: args.slice(i) };
}
