import { describeError, formatTable, UsageError, type CommandContext, type CommandSpec } from '@mydocker/core';
import type { NetworkLifecycle } from './lifecycle';
import type { IpamState, NetworkConfig } from './model';
import type { DamagedNetwork } from './store';

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

function row(net: NetworkConfig): Record<string, string> {
  return { Name: net.name, ID: net.id.slice(0, 12), Driver: net.driver, Subnet: net.subnet, IpRange: net.subnet, Gateway: net.gateway, Bridge: net.bridge };
}

function damagedRow(d: DamagedNetwork): Record<string, string> {
  return { Name: d.name, ID: '', Driver: '', Subnet: '(damaged)', IpRange: '', Gateway: '', Bridge: '' };
}

/** Go-template placeholders such as {{.Name}}, as in `docker network ls --format`. */
export function formatRow(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, key: string) => {
      if (!(key in values)) throw new UsageError(`Unknown field .${key} in --format: use ${Object.keys(values).map((k) => `{{.${k}}}`).join(', ')}.`);
      return values[key];
    })
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n');
}


export function inspectView(net: NetworkConfig, state: IpamState): unknown {
  const containers: Record<string, unknown> = {};
  for (const [ip, a] of Object.entries(state.allocations[net.name] ?? {})) {
    containers[a.containerId] = { Name: a.containerName, IPv4Address: `${ip}/${net.subnet.split('/')[1]}`, HostVeth: a.hostVeth };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.createdAt,
    Driver: net.driver,
    IPAM: { Config: [{ Subnet: net.subnet, Gateway: net.gateway }] },
    Options: { 'com.docker.network.bridge.name': net.bridge },
    Containers: containers,
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
        .option('format', { type: 'string', describe: "template for each network, e.g. '{{.Name}}'" })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'only names' }),
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
          out(`${net.id}\n`);
          return 0;
        }
        case 'ls': {
          // Damaged records are listed too (their fields unknown), so that `network rm NAME` can be found.
          const { networks, damaged } = store.scan();
          const rows = [...networks.map(row), ...damaged.map(damagedRow)].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
          if (argv.quiet) out(rows.map((r) => `${r.Name}\n`).join(''));
          else if (argv.format) out(rows.map((r) => `${formatRow(String(argv.format), r)}\n`).join(''));
          else out(formatTable([['NAME', 'SUBNET', 'DRIVER', 'GATEWAY', 'BRIDGE'], ...rows.map((r) => [r.Name, r.Subnet, r.Driver, r.Gateway, r.Bridge])]));
          const { damagedNetworkError } = await import('./store');
          for (const d of damaged) ctx.stderr.write(`Warning: ${damagedNetworkError(d).message}\n`);
          return 0;
        }
        case 'inspect': {
          need(args, 1, 'inspect NAME...');
          const nets = args.map((a) => store.get(a));
          const state = store.readIpam();
          if (argv.format) out(nets.map((n) => `${formatRow(String(argv.format), row(n))}\n`).join(''));
          else out(`${JSON.stringify(nets.map((n) => inspectView(n, state)), null, 4)}\n`);
          return 0;
        }
        case 'rm': {
          need(args, 1, 'rm NAME...');
          const { removeNetwork } = await import('./networks');
          let code = 0;
          for (const name of args) {
            try {
              out(`${(await removeNetwork(l.env, name)).name}\n`);
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
          return 0;
        }
      }
      return 0;
    },
  };
}
