import { emptyRunSpec, UsageError, type FlagRegistry, type RunSpec } from '@mydocker/core';
import { badRequest } from './api-error';
import type { ContainerConfig, HostConfig } from 'docker-types/generated/1.42';

/**
 * The create body's fields as Docker's generated types (API 1.42) name them: reading a field the API does
 * not have (a typo, a made-up name) fails the build.
 */
export type CreateBody = { [K in keyof ContainerConfig | 'HostConfig' | 'NetworkingConfig']?: unknown };
type HostBody = { [K in keyof HostConfig]?: unknown };

type Json = Record<string, unknown>;

/** Field readers that refuse a wrong type with Docker's kind of sentence (the Go decoder's, in words). */
const where = (path: string) => `${path} in the request body`;
function obj(v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${where(path)} must be an object.`);
  return v as Json;
}
function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${where(path)} must be a string.`);
  return v;
}
function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`${where(path)} must be true or false.`);
  return v;
}
function num(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${where(path)} must be a number.`);
  return v;
}
/** Docker's StrSlice: a string or an array of strings. */
function strs(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${where(path)} must be an array of strings.`);
  return v as string[];
}
function strMap(v: unknown, path: string): Record<string, string> {
  const o = obj(v, path) ?? {};
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw badRequest(`${where(`${path}.${k}`)} must be a string.`);
  return o as Record<string, string>;
}
/** A byte count or limit given as a number: 0 (and absent) is "not set". */
const positive = (n: number | undefined): string | undefined => (n === undefined || n === 0 ? undefined : String(n));

const nonEmpty = (list: string[] | undefined): string[] | undefined => (list && list.length ? list : undefined);

const NS_PER_MS = 1e6;

/**
 * Config.Healthcheck as the --health-* flags: a CMD-SHELL test is --health-cmd, NONE is
 * --no-healthcheck, durations (nanoseconds, 0 = the image's) in milliseconds. A CMD test (an argv) has
 * no flag spelling: it is left out with a warning, and the image's HEALTHCHECK applies.
 */
function healthFlags(check: Json | undefined, warnings: string[]): Record<string, string | boolean | undefined> {
  if (!check) return {};
  const test = strs(check.Test, 'Healthcheck.Test') ?? [];
  const ms = (key: string) => {
    const ns = num(check[key], `Healthcheck.${key}`);
    return ns ? `${ns / NS_PER_MS}ms` : undefined;
  };
  const retries = num(check.Retries, 'Healthcheck.Retries');
  const tuning = {
    'health-interval': ms('Interval'),
    'health-timeout': ms('Timeout'),
    'health-start-period': ms('StartPeriod'),
    'health-retries': retries ? String(retries) : undefined,
  };
  if (test[0] === 'NONE') return { healthcheck: false };
  if (test[0] === 'CMD-SHELL' && test.length >= 2) return { 'health-cmd': test.slice(1).join(' '), ...tuning };
  if (test[0] === 'CMD') warnings.push('A Healthcheck.Test of the CMD form is not applied by this engine: give CMD-SHELL.');
  return test.length === 0 ? tuning : {};
}

/** PortBindings `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}` as `-p` specs (an empty HostPort: any free port). */
export function publishSpecs(bindings: Json | undefined, exposedForAll: string[] = []): string[] {
  const out: string[] = [];
  for (const [port, list] of Object.entries(bindings ?? {})) {
    if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(port)) throw badRequest(`Invalid port "${port}" in HostConfig.PortBindings: use PORT/PROTOCOL.`);
    const entries = list === null ? [] : Array.isArray(list) ? list : undefined;
    if (!entries) throw badRequest(`HostConfig.PortBindings.${port} in the request body must be an array.`);
    if (entries.length === 0) out.push(port);
    for (const b of entries) {
      const o = obj(b, `HostConfig.PortBindings.${port}[]`) ?? {};
      const ip = str(o.HostIp, 'HostIp') ?? '';
      const hostPort = str(o.HostPort, 'HostPort') ?? '';
      const host = hostPort === '0' ? '' : hostPort;
      out.push(ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${host}:${port}` : host ? `${host}:${port}` : port);
    }
  }
  for (const port of exposedForAll) if (!(port in (bindings ?? {}))) out.push(port);
  return out;
}

/** HostConfig.Mounts entries as `--mount` CSV (Docker's own spelling of the same fields). */
export function mountSpecs(mounts: unknown): string[] {
  if (mounts === undefined || mounts === null) return [];
  if (!Array.isArray(mounts)) throw badRequest('HostConfig.Mounts in the request body must be an array.');
  return mounts.map((m, i) => {
    const o = obj(m, `HostConfig.Mounts[${i}]`) ?? {};
    const type = str(o.Type, 'Mounts.Type') ?? 'volume';
    const target = str(o.Target, 'Mounts.Target');
    if (!target) throw badRequest(`HostConfig.Mounts[${i}] needs a Target.`);
    const parts = [`type=${type}`];
    const source = str(o.Source, 'Mounts.Source');
    if (source) parts.push(`source=${source}`);
    parts.push(`target=${target}`);
    if (bool(o.ReadOnly, 'Mounts.ReadOnly')) parts.push('readonly');
    const tmpfs = obj(o.TmpfsOptions, 'Mounts.TmpfsOptions');
    const size = num(tmpfs?.SizeBytes, 'TmpfsOptions.SizeBytes');
    if (size) parts.push(`tmpfs-size=${size}`);
    const mode = num(tmpfs?.Mode, 'TmpfsOptions.Mode');
    if (mode !== undefined) parts.push(`tmpfs-mode=${mode.toString(8)}`);
    for (const p of parts) if (p.includes(',')) throw badRequest(`HostConfig.Mounts[${i}] has a comma in "${p}".`);
    return parts.join(',');
  });
}

/**
 * NetworkingConfig.EndpointsConfig[NETWORK].Aliases as `--network-alias` (what `docker run --network-alias`
 * and compose send): the aliases of the network the container is created on.
 */
function endpointAliases(networking: unknown, networkMode: string | undefined): string[] | undefined {
  const endpoints = obj(obj(networking, 'NetworkingConfig')?.EndpointsConfig, 'NetworkingConfig.EndpointsConfig') ?? {};
  const endpoint = networkMode ? endpoints[networkMode] : undefined;
  return strs(obj(endpoint, `EndpointsConfig.${networkMode}`)?.Aliases, 'EndpointsConfig.Aliases');
}

/** HostConfig's resource limits as the cgroups flags (zero meaning unset, as Docker reads them). */
function resourceFlags(host: HostBody): Record<string, string | undefined> {
  const nano = num(host.NanoCpus, 'HostConfig.NanoCpus');
  const pids = num(host.PidsLimit, 'HostConfig.PidsLimit');
  return {
    memory: positive(num(host.Memory, 'HostConfig.Memory')),
    'memory-swap': positive(num(host.MemorySwap, 'HostConfig.MemorySwap')),
    'memory-reservation': positive(num(host.MemoryReservation, 'HostConfig.MemoryReservation')),
    'cpu-shares': positive(num(host.CpuShares, 'HostConfig.CpuShares')),
    'cpu-period': positive(num(host.CpuPeriod, 'HostConfig.CpuPeriod')),
    'cpu-quota': positive(num(host.CpuQuota, 'HostConfig.CpuQuota')),
    cpus: nano ? String(nano / 1e9) : undefined,
    'cpuset-cpus': str(host.CpusetCpus, 'HostConfig.CpusetCpus') || undefined,
    'cpuset-mems': str(host.CpusetMems, 'HostConfig.CpusetMems') || undefined,
    'blkio-weight': positive(num(host.BlkioWeight, 'HostConfig.BlkioWeight')),
    'pids-limit': pids && pids > 0 ? String(pids) : undefined,
  };
}

/**
 * Docker's container create body (Config + HostConfig) as the RunSpec that `mydocker create` would make:
 * the same raw strings the flags give, so every plugin checks them in `validate` as it does for the CLI.
 */
export function createBodyToSpec(body: CreateBody, name: string | undefined, flags: FlagRegistry): { spec: RunSpec; warnings: string[] } {
  const warnings: string[] = [];
  const image = str(body.Image, 'Image');
  if (!image) throw badRequest('Config cannot be empty in order to create a container: give an Image.');
  const host: HostBody = obj(body.HostConfig, 'HostConfig') ?? {};
  const entrypoint = strs(body.Entrypoint, 'Entrypoint');
  const cmd = strs(body.Cmd, 'Cmd') ?? [];
  const labels = strMap(body.Labels, 'Labels');
  const exposed = Object.keys(obj(body.ExposedPorts, 'ExposedPorts') ?? {});
  const log = obj(host.LogConfig, 'HostConfig.LogConfig');
  const logType = str(log?.Type, 'LogConfig.Type');
  const restart = obj(host.RestartPolicy, 'HostConfig.RestartPolicy');
  const restartName = str(restart?.Name, 'RestartPolicy.Name') ?? '';
  const retries = num(restart?.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount');
  const networkMode = str(host.NetworkMode, 'HostConfig.NetworkMode');
  const tmpfs = strMap(host.Tmpfs, 'HostConfig.Tmpfs');
  const stopTimeout = num(body.StopTimeout, 'StopTimeout');
  // Plugin values as the flags `mydocker create` would have been given, grouped and checked by the
  // installed plugins' own declarations (a flag whose plugin is not installed is left out, as unset).
  const given: Record<string, string | boolean | string[] | undefined> = {
    ...resourceFlags(host),
    volume: nonEmpty(strs(host.Binds, 'HostConfig.Binds')),
    network: networkMode && networkMode !== 'default' ? networkMode : undefined,
    'network-alias': nonEmpty(endpointAliases(body.NetworkingConfig, networkMode)),
    publish: nonEmpty(publishSpecs(obj(host.PortBindings, 'HostConfig.PortBindings'), bool(host.PublishAllPorts, 'HostConfig.PublishAllPorts') ? exposed : [])),
    'cap-add': nonEmpty(strs(host.CapAdd, 'HostConfig.CapAdd')),
    'cap-drop': nonEmpty(strs(host.CapDrop, 'HostConfig.CapDrop')),
    privileged: bool(host.Privileged, 'HostConfig.Privileged') || undefined,
    'security-opt': nonEmpty(strs(host.SecurityOpt, 'HostConfig.SecurityOpt')),
    'log-opt': nonEmpty(Object.entries(strMap(log?.Config, 'LogConfig.Config')).map(([k, v]) => `${k}=${v}`)),
    device: nonEmpty(
      ((host.Devices as unknown[] | undefined | null) ?? []).map((d, i) => {
        const o = obj(d, `HostConfig.Devices[${i}]`) ?? {};
        return [
          str(o.PathOnHost, 'PathOnHost') ?? '',
          str(o.PathInContainer, 'PathInContainer') ?? '',
          str(o.CgroupPermissions, 'CgroupPermissions') ?? 'rwm',
        ].join(':');
      }),
    ),
    mount: nonEmpty(mountSpecs(host.Mounts)),
    tmpfs: nonEmpty(Object.entries(tmpfs).map(([p, o]) => (o ? `${p}:${o}` : p))),
    'log-driver': logType || undefined,
    init: host.Init === undefined || host.Init === null ? undefined : bool(host.Init, 'HostConfig.Init'),
    ...healthFlags(obj(body.Healthcheck, 'Healthcheck'), warnings),
  };
  // A value no installed plugin takes is refused, not dropped: a container without its limit or port is wrong.
  const undeclared = Object.keys(given).filter((k) => given[k] !== undefined && !flags.find(k));
  if (undeclared.length > 0) {
    throw new UsageError(
      `No installed plugin takes ${undeclared.map((k) => `--${k}`).join(', ')}, which this request sets: install the mydocker package that brings it.`,
    );
  }
  const pluginFlags = flags.collect(given, 'create');
  const spec = emptyRunSpec({
    image,
    // An entrypoint of several words: the first is the entrypoint, the rest lead the command (Docker joins them).
    entrypoint: entrypoint === undefined ? undefined : (entrypoint[0] ?? ''),
    command: entrypoint && entrypoint.length > 1 ? [...entrypoint.slice(1), ...cmd] : cmd,
    name: name || undefined,
    // Containers made through the API are owned by their monitors, never by the service.
    detach: true,
    tty: bool(body.Tty, 'Tty'),
    interactive: bool(body.OpenStdin, 'OpenStdin'),
    ...(bool(body.StdinOnce, 'StdinOnce') ? { stdinOnce: true } : {}),
    autoRemove: bool(host.AutoRemove, 'HostConfig.AutoRemove'),
    hostname: str(body.Hostname, 'Hostname') || undefined,
    env: strs(body.Env, 'Env') ?? [],
    workdir: str(body.WorkingDir, 'WorkingDir') || undefined,
    user: str(body.User, 'User') || undefined,
    readOnly: bool(host.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs'),
    ...(Object.keys(labels).length ? { labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } : {}),
    // Docker's RestartPolicy in --restart's spelling; the engine applies it (a core field).
    ...(restartName !== '' && restartName !== 'no' ? { restart: restartName === 'on-failure' && retries ? `on-failure:${retries}` : restartName } : {}),
    stopSignal: str(body.StopSignal, 'StopSignal') || undefined,
    stopTimeout: stopTimeout === undefined ? undefined : Math.trunc(stopTimeout),
    ...(Object.keys(pluginFlags).length ? { flags: pluginFlags } : {}),
  });
  return { spec, warnings };
}
