import { ConflictError, describeError, formatItems, UsageError, type CommandContext, type CommandSpec, type CommandArgs } from '@mydocker/core';
import { damagedRow, NETWORK_HEADERS, NETWORK_LS_TABLE, networkMatches, networkRow, parseNetworkFilters } from './list';
import type { NetworkLifecycle } from './lifecycle';
import type { IpamState, NetworkConfig } from './model';
import { DEFAULT_NETWORK } from './defaults';
import { predefinedId, predefinedMatches, predefinedNamed, predefinedRow, predefinedView } from './predefined';

const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';

/** `--opt KEY=VALUE`: only the bridge name is understood; anything else is refused rather than ignored. */
function parseOpts(values: string[]): { bridgeName?: string } {
  const out: { bridgeName?: string } = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? v : v.slice(0, eq);
    if (key !== BRIDGE_NAME_OPT || eq < 0) throw new UsageError(`Unsupported network option "${v}": only ${BRIDGE_NAME_OPT}=NAME is understood.`);
    out.bridgeName = v.slice(eq + 1);
  }
  return out;
}

export function inspectView(net: NetworkConfig, state: IpamState): unknown {
  const containers: Record<string, unknown> = {};
  for (const [ip, a] of Object.entries(state.allocations[net.name] ?? {})) {
    containers[a.containerId] = {
      Name: a.containerName,
      IPv4Address: `${ip}/${net.subnet.split('/')[1]}`,
      HostVeth: a.hostVeth,
      ...(a.aliases ? { Aliases: a.aliases } : {}),
    };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.createdAt,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: net.subnet, ...(net.ipRange ? { IPRange: net.ipRange } : {}), Gateway: net.gateway }] },
    Internal: net.internal === true,
    Attachable: false,
    Ingress: false,
    Options: { [BRIDGE_NAME_OPT]: net.bridge, ...(net.builtin ? { 'com.docker.network.bridge.default_bridge': 'true' } : {}) },
    Containers: containers,
    Labels: {},
  };
}

function need(args: string[], count: number, usage: string): string[] {
  if (args.length < count) throw new UsageError(`Missing argument: usage is \`mydocker network ${usage}\`.`);
  return args;
}

/** What every action gets: the parsed command line, the plugin's lifecycle, and the output. */
interface ActionInput {
  argv: CommandArgs;
  args: string[];
  ctx: CommandContext;
  l: NetworkLifecycle;
  out: (s: string) => void;
}

type Action = (input: ActionInput) => Promise<number>;

async function createAction({ argv, args, ctx, l, out }: ActionInput): Promise<number> {
  const [name] = need(args, 1, 'create [--driver bridge] [--subnet CIDR] [--gateway IP] NAME');
  if (args.length > 1) throw new UsageError('network create takes one name.');
  const { createNetwork } = await import('./networks');
  const net = await createNetwork(l.env, name, {
    driver: argv.driver,
    subnet: argv.subnet,
    gateway: argv.gateway,
    ipRange: argv['ip-range'],
    internal: Boolean(argv.internal),
    ...parseOpts(((argv.opt as unknown[]) ?? []).map(String)),
  });
  await ctx.bus.emitEvent({ type: 'network', action: 'create', id: net.id, attributes: { name: net.name, type: net.driver } });
  out(`${net.id}\n`);
  return 0;
}

/** Docker's list: the networks of this root, the pre-defined `host` and `none`, and damaged records. */
async function lsAction({ argv, ctx, l, out }: ActionInput): Promise<number> {
  const filters = parseNetworkFilters(((argv.filter as unknown[]) ?? []).map(String));
  const noTrunc = argv.trunc === false;
  const { networks, damaged } = l.env.store.scan();
  const state = l.env.store.readIpam();
  const kept = networks.filter((n) => networkMatches(n, filters, state));
  const predefined = (['host', 'none'] as const)
    .map((name) => ({ row: predefinedRow(l.env, name, noTrunc), id: predefinedId(l.env, name) }))
    .filter((p) => predefinedMatches(p.row, p.id, filters))
    .map((p) => p.row);
  const rows = [...kept.map((n) => networkRow(n, noTrunc)), ...predefined, ...(filters.size ? [] : damaged.map(damagedRow))].sort((a, b) =>
    a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0,
  );
  if (argv.quiet)
    out(
      rows
        .filter((r) => r.ID)
        .map((r) => `${r.ID}\n`)
        .join(''),
    );
  else out(formatItems(argv.format ? String(argv.format) : NETWORK_LS_TABLE, rows, NETWORK_HEADERS));
  const { damagedNetworkError } = await import('./store');
  for (const d of damaged) ctx.stderr.write(`Warning: ${damagedNetworkError(d).message}\n`);
  return 0;
}

async function inspectAction({ argv, args, l, out }: ActionInput): Promise<number> {
  need(args, 1, 'inspect NAME...');
  const state = args.some((a) => !predefinedNamed(l.env, a)) ? l.env.store.readIpam() : undefined;
  const views: unknown[] = [];
  for (const a of args) {
    const predefined = predefinedNamed(l.env, a);
    views.push(predefined ? await predefinedView(l.env, predefined) : inspectView(l.env.store.get(a), state!));
  }
  if (argv.format) out(formatItems(String(argv.format), views));
  else out(`${JSON.stringify(views, null, 4)}\n`);
  return 0;
}

async function removeOne(name: string, { ctx, l, out }: ActionInput): Promise<void> {
  // The default `bridge` is pre-defined too, also before its first use has made it.
  const bridgeDefault = name === DEFAULT_NETWORK && !l.env.store.damaged().some((d) => d.name === name);
  const predefined = predefinedNamed(l.env, name) ?? (bridgeDefault ? name : undefined);
  if (predefined) throw new ConflictError(`${predefined} is a pre-defined network and cannot be removed.`);
  const { removeNetwork } = await import('./networks');
  let id: string | undefined;
  try {
    id = l.env.store.find(name)?.id;
  } catch {
    // a damaged record: removed all the same, without an id to report
  }
  const removed = await removeNetwork(l.env, name);
  out(`${removed.name}\n`);
  if (id) await ctx.bus.emitEvent({ type: 'network', action: 'destroy', id, attributes: { name: removed.name, type: 'bridge' } });
}

async function rmAction(input: ActionInput): Promise<number> {
  const args = need(input.args, 1, 'rm NAME...');
  let code = 0;
  for (const name of args) {
    try {
      await removeOne(name, input);
    } catch (err) {
      if (args.length === 1) throw err;
      input.ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = 125;
    }
  }
  return code;
}

function connectAction(action: 'connect' | 'disconnect'): Action {
  return async ({ argv, args, ctx, l }) => {
    const [net, container] = need(args, 2, `${action} NETWORK CONTAINER`);
    const predefined = predefinedNamed(l.env, net);
    if (predefined) {
      throw new UsageError(
        `Containers cannot be connected to or disconnected from the ${predefined} network: it is chosen with --net ${predefined} when the container is created.`,
      );
    }
    const ops = await import('./connect');
    const aliases = ((argv.alias as unknown[]) ?? []).map(String);
    if (action === 'connect') await ops.connect(l, net, container, { aliases, ip: argv.ip === undefined ? undefined : String(argv.ip) });
    else await ops.disconnect(l, net, container);
    const n = l.env.store.get(net);
    const c = await ctx.bus.need('stateStore').get(container);
    await ctx.bus.emitEvent({ type: 'network', action, id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } });
    return 0;
  };
}

async function pruneAction({ args, ctx, l, out }: ActionInput): Promise<number> {
  if (args.length > 0) throw new UsageError('network prune takes no network names (it removes every unused one).');
  const { pruneUnusedNetworks } = await import('./networks');
  const removed = await pruneUnusedNetworks(l.env);
  if (removed.length > 0) out(`Deleted Networks:\n${removed.map((n) => `${n.name}\n`).join('')}`);
  for (const n of removed) await ctx.bus.emitEvent({ type: 'network', action: 'destroy', id: n.id, attributes: { name: n.name, type: 'bridge' } });
  return 0;
}

const ACTIONS: Record<string, Action> = {
  create: createAction,
  ls: lsAction,
  list: lsAction,
  inspect: inspectAction,
  rm: rmAction,
  remove: rmAction,
  connect: connectAction('connect'),
  disconnect: connectAction('disconnect'),
  prune: pruneAction,
};

export function networkCommand(life: () => Promise<NetworkLifecycle>): CommandSpec {
  return {
    command: 'network <action> [args..]',
    describe: 'Manage networks: create, ls (list), inspect, rm (remove), connect, disconnect, prune',
    builder: (y) =>
      y
        .positional('action', { type: 'string', describe: 'create | ls | inspect | rm | connect | disconnect' })
        .positional('args', { type: 'string', array: true, describe: 'network name(s), then a container for connect/disconnect' })
        .option('driver', { alias: 'd', type: 'string', describe: 'network driver (bridge)' })
        .option('subnet', { type: 'string', describe: 'subnet in CIDR form, e.g. 192.168.10.0/24' })
        .option('gateway', { type: 'string', describe: 'gateway address inside the subnet' })
        .option('ip-range', { type: 'string', describe: 'create: allocate container addresses from this part of the subnet (CIDR)' })
        .option('internal', { type: 'boolean', describe: 'create: no route out of the network' })
        .option('opt', { alias: 'o', type: 'string', array: true, describe: `create: driver option (${BRIDGE_NAME_OPT}=NAME)` })
        .option('alias', { type: 'string', array: true, describe: 'connect: another name the container answers to on the network' })
        .option('ip', { type: 'string', describe: 'connect: the IPv4 address on the network' })
        .option('force', { type: 'boolean', describe: 'prune: no prompt (prune never prompts)' })
        .option('format', { alias: 'f', type: 'string', describe: "ls/inspect: Go template, e.g. '{{.Name}}', 'table {{.ID}}\\t{{.Name}}', json" })
        .option('filter', { type: 'string', array: true, describe: 'ls: driver=, id=, name=, label=, scope=, type=custom|builtin, dangling=true|false' })
        .option('trunc', { type: 'boolean', default: true, describe: 'ls: --no-trunc shows full network ids' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'ls: only network ids' }),
    async run(argv: CommandArgs, ctx: CommandContext): Promise<number> {
      const action = ACTIONS[String(argv.action)];
      if (!action) throw new UsageError(`Unknown network command "${argv.action}": use create, ls, inspect, rm, connect, disconnect or prune.`);
      const l = await life();
      return action({ argv, args: (argv.args ?? []).map(String), ctx, l, out: (s) => ctx.stdout.write(s) });
    },
  };
}
