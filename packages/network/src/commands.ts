import { describeError, formatItems, UsageError, type CommandContext, type CommandSpec } from '@mydocker/core';
import { damagedRow, NETWORK_HEADERS, NETWORK_LS_TABLE, networkMatches, networkRow, parseNetworkFilters } from './list';
import type { NetworkLifecycle } from './lifecycle';
import type { IpamState, NetworkConfig } from './model';

const ACTIONS: Record<string, string> = {
  create: 'create',
  ls: 'ls',
  list: 'ls',
  inspect: 'inspect',
  rm: 'rm',
  remove: 'rm',
  connect: 'connect',
  disconnect: 'disconnect',
};

export function inspectView(net: NetworkConfig, state: IpamState): unknown {
  const containers: Record<string, unknown> = {};
  for (const [ip, a] of Object.entries(state.allocations[net.name] ?? {})) {
    containers[a.containerId] = { Name: a.containerName, IPv4Address: `${ip}/${net.subnet.split('/')[1]}`, HostVeth: a.hostVeth };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.createdAt,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: net.subnet, Gateway: net.gateway }] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    Options: { 'com.docker.network.bridge.name': net.bridge },
    Containers: containers,
    Labels: {},
  };
}

function need(args: string[], count: number, usage: string): string[] {
  if (args.length < count) throw new UsageError(`Missing argument: usage is \`mydocker network ${usage}\`.`);
  return args;
}

export function networkCommand(life: () => Promise<NetworkLifecycle>): CommandSpec {
  return {
    command: 'network <action> [args..]',
    describe: 'Manage networks: create, ls (list), inspect, rm (remove), connect, disconnect',
    builder: (y: any) =>
      y
        .positional('action', { type: 'string', describe: 'create | ls | inspect | rm | connect | disconnect' })
        .positional('args', { type: 'string', array: true, describe: 'network name(s), then a container for connect/disconnect' })
        .option('driver', { alias: 'd', type: 'string', describe: 'network driver (bridge)' })
        .option('subnet', { type: 'string', describe: 'subnet in CIDR form, e.g. 192.168.10.0/24' })
        .option('gateway', { type: 'string', describe: 'gateway address inside the subnet' })
        .option('format', { alias: 'f', type: 'string', describe: "ls/inspect: Go template, e.g. '{{.Name}}', 'table {{.ID}}\\t{{.Name}}', json" })
        .option('filter', { type: 'string', array: true, describe: 'ls: driver=, id=, name=, label=, scope=, type=custom|builtin, dangling=true|false' })
        .option('trunc', { type: 'boolean', default: true, describe: 'ls: --no-trunc shows full network ids' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'ls: only network ids' }),
    async run(argv: Record<string, any>, ctx: CommandContext): Promise<number> {
      const action = ACTIONS[String(argv.action)];
      if (!action) throw new UsageError(`Unknown network command "${argv.action}": use create, ls, inspect, rm, connect or disconnect.`);
      const args: string[] = (argv.args ?? []).map(String);
      const l = await life();
      const { store } = l.env;
      const out = (s: string) => ctx.stdout.write(s);
      switch (action) {
        case 'create': {
          const [name] = need(args, 1, 'create [--driver bridge] [--subnet CIDR] [--gateway IP] NAME');
          if (args.length > 1) throw new UsageError('network create takes one name.');
          const { createNetwork } = await import('./networks');
          const net = await createNetwork(l.env, name, { driver: argv.driver, subnet: argv.subnet, gateway: argv.gateway });
          await ctx.bus.emitEvent({ type: 'network', action: 'create', id: net.id, attributes: { name: net.name, type: net.driver } });
          out(`${net.id}\n`);
          return 0;
        }
        case 'ls': {
          const filters = parseNetworkFilters(((argv.filter as unknown[]) ?? []).map(String));
          const { networks, damaged } = store.scan();
          const state = store.readIpam();
          const kept = networks.filter((n) => networkMatches(n, filters, state));
          const rows = [...kept.map((n) => networkRow(n, argv.trunc === false)), ...(filters.size ? [] : damaged.map(damagedRow))].sort((a, b) =>
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
        case 'inspect': {
          need(args, 1, 'inspect NAME...');
          const nets = args.map((a) => store.get(a));
          const state = store.readIpam();
          const views = nets.map((n) => inspectView(n, state));
          if (argv.format) out(formatItems(String(argv.format), views));
          else out(`${JSON.stringify(views, null, 4)}\n`);
          return 0;
        }
        case 'rm': {
          need(args, 1, 'rm NAME...');
          const { removeNetwork } = await import('./networks');
          let code = 0;
          for (const name of args) {
            try {
              let id: string | undefined;
              try {
                id = store.find(name)?.id;
              } catch {
                // a damaged record: removed all the same, without an id to report
              }
              const removed = await removeNetwork(l.env, name);
              out(`${removed.name}\n`);
              if (id) await ctx.bus.emitEvent({ type: 'network', action: 'destroy', id, attributes: { name: removed.name, type: 'bridge' } });
            } catch (err) {
              if (args.length === 1) throw err;
              ctx.stderr.write(`Error: ${describeError(err).message}\n`);
              code = 125;
            }
          }
          return code;
        }
        case 'connect':
        case 'disconnect': {
          const [net, container] = need(args, 2, `${action} NETWORK CONTAINER`);
          const ops = await import('./connect');
          if (action === 'connect') await ops.connect(l, net, container);
          else await ops.disconnect(l, net, container);
          const n = store.get(net);
          const c = await ctx.bus.need('stateStore').get(container);
          await ctx.bus.emitEvent({ type: 'network', action, id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } });
          return 0;
        }
      }
      return 0;
    },
  };
}
