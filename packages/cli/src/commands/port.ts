import { UsageError, type CommandSpec } from '@mydocker/core';
import { containerInspect } from '../inspect/container-inspect';

type Bindings = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

function hostAddress(b: { HostIp: string; HostPort: string }): string {
  const ip = b.HostIp || '0.0.0.0';
  return ip.includes(':') ? `[${ip}]:${b.HostPort}` : `${ip}:${b.HostPort}`;
}

/** Docker's order: by port number, then protocol. */
function byPort(a: string, b: string): number {
  const [pa, qa] = a.split('/');
  const [pb, qb] = b.split('/');
  return Number(pa) - Number(pb) || qa.localeCompare(qb);
}

/** Lines of `port CONTAINER [PRIVATE_PORT[/PROTO]]` from the inspect view's NetworkSettings.Ports. */
export function portLines(ports: Bindings, wanted?: string): string[] | undefined {
  if (wanted === undefined) {
    return Object.keys(ports)
      .sort(byPort)
      .flatMap((key) => (ports[key] ?? []).map((b) => `${key} -> ${hostAddress(b)}`));
  }
  const match = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(wanted);
  if (!match || Number(match[1]) < 1 || Number(match[1]) > 65535)
    throw new UsageError(`Invalid port "${wanted}": give PRIVATE_PORT[/PROTO], such as 80 or 53/udp.`);
  const bindings = ports[`${match[1]}/${match[2] ?? 'tcp'}`];
  return bindings && bindings.length > 0 ? bindings.map(hostAddress) : undefined;
}

/**
 * `port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports as the network plugin shows them in
 * inspect (through the bus's `inspect` hook, so the CLI reads no plugin's own data).
 */
export const portCommand: CommandSpec = {
  command: 'port <container> [privatePort]',
  describe: 'List port mappings, or look up the public address of one private port',
  async run(args, ctx) {
    const view = await containerInspect(ctx.bus, await ctx.engine.inspect(String(args.container)));
    const wanted = args.privatePort === undefined ? undefined : String(args.privatePort);
    const lines = portLines((view.NetworkSettings.Ports ?? {}) as Bindings, wanted);
    if (!lines) {
      ctx.stderr.write(`Error: No public port '${/\//.test(wanted!) ? wanted : `${wanted}/tcp`}' published for ${args.container}\n`);
      return 1;
    }
    for (const line of lines) ctx.stdout.write(`${line}\n`);
    return 0;
  },
};
