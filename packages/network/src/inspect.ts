import type { ContainerInspectView, ContainerRecord } from '@mydocker/core';
import { networkExtOf } from './lifecycle';
import type { NetworkExt } from './model';
import { networkFlag, publishFlags } from './flags';
import { exposedByFlags, parsePublishes } from './ports';

/**
 * Docker's NetworkSettings and the network parts of HostConfig, from this plugin's ext. The primary
 * endpoint's address is also shown at the top level (Docker's legacy fields), which is what scripts
 * reading `.NetworkSettings.IPAddress` expect.
 */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  if (record.spec) exposeInConfig(record.spec, view);
  const ext: NetworkExt | undefined = networkExtOf(record.ext?.network);
  const asked = record.spec ? networkFlag(record.spec) : undefined;
  // Not yet started (no ext at all): what was asked for, as Docker shows it before the first start.
  if (asked !== undefined && record.ext?.network === undefined) view.HostConfig.NetworkMode = asked;
  if (!ext) return;
  const running = record.status === 'running';
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  const bindings: typeof ports = {};
  for (const p of ext.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    // NetworkSettings.Ports is what is bound, as Docker shows it: a port on every address is 0.0.0.0 beside
    // its "::" side (clients such as Testcontainers pick the binding of their host address's family).
    (ports[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
    // HostConfig is what was asked: the IPv6 side of a port on every address is not a binding of its own.
    if (!p.implicit) (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  view.HostConfig.NetworkMode = ext.mode === 'bridge' ? (ext.endpoints[0]?.network ?? asked ?? 'none') : ext.mode;
  view.HostConfig.PortBindings = bindings;
  const networks: Record<string, unknown> = {};
  if (ext.mode !== 'bridge') {
    networks[ext.mode] = endpointView({ NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' });
  }
  for (const ep of ext.endpoints) {
    // Addresses are released when the container stops, as Docker's are.
    networks[ep.network] = endpointView(
      running
        ? { NetworkID: ep.networkId, EndpointID: ep.hostVeth, Gateway: ep.gateway, IPAddress: ep.ip, IPPrefixLen: ep.prefixLength, MacAddress: ep.mac }
        : { NetworkID: ep.networkId, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' },
      [record.name, record.id.slice(0, 12)],
    );
  }
  const primary = running ? ext.endpoints[0] : undefined;
  Object.assign(view.NetworkSettings, {
    Bridge: primary?.bridge ?? '',
    Ports: running ? ports : {},
    EndpointID: primary?.hostVeth ?? '',
    Gateway: primary?.gateway ?? '',
    IPAddress: primary?.ip ?? '',
    IPPrefixLen: primary?.prefixLength ?? 0,
    MacAddress: primary?.mac ?? '',
    Networks: networks,
  });
}

function endpointView(fields: Record<string, unknown>, aliases: string[] | null = null): Record<string, unknown> {
  return { IPAMConfig: null, Links: null, Aliases: aliases, ...fields, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DriverOpts: null };
}

/**
 * Docker's Config.ExposedPorts holds the ports of --expose and of -p besides the image's (which the images
 * plugin merges in): what `-P` and clients such as Testcontainers read. The flags were checked at create.
 */
function exposeInConfig(spec: NonNullable<ContainerRecord['spec']>, view: ContainerInspectView): void {
  const keys = [
    ...exposedByFlags(spec),
    ...publishFlags(spec)
      .flatMap(parsePublishes)
      .map((p) => `${p.containerPort}/${p.protocol}`),
  ];
  if (keys.length === 0) return;
  view.Config.ExposedPorts = { ...(view.Config.ExposedPorts as Record<string, object> | undefined), ...Object.fromEntries(keys.map((k) => [k, {}])) };
}
