/**
 * Docker's `inspect` shape of a container (Engine API 1.43, typed with the `docker-types` package).
 * The CLI fills what the core record knows; each plugin fills what it owns (addresses and ports, cgroup
 * limits, volumes and the storage driver) in the bus's `inspect` hook. Scripts read this shape, so the
 * record's own layout never shows.
 */
import { restartPolicyOf, stdinOnce, type ContainerInspectView, type ContainerRecord, type LifecycleBus } from '@mydocker/core';
import { labelMap } from '../labels';
import type { ContainerConfig, ContainerState, DeviceMapping, HostConfig, MountPoint, NetworkSettings } from 'docker-types/generated/1.42';

/**
 * The generated types make every field optional and miss the nulls the Engine really sends
 * (`"Entrypoint": null`, `"Binds": null`): these say what `docker inspect` prints.
 */
export interface DockerContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: Required<Omit<ContainerState, 'Health'>>;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  HostConfig: Omit<HostConfig, 'Binds' | 'Devices' | 'CapAdd' | 'CapDrop'> & {
    Binds: string[] | null;
    Devices: DeviceMapping[];
    CapAdd: string[] | null;
    CapDrop: string[] | null;
  };
  Mounts: MountPoint[];
  Config: Omit<ContainerConfig, 'Entrypoint' | 'Cmd' | 'Labels' | 'Volumes'> & {
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    Labels: Record<string, string>;
    Volumes: Record<string, object> | null;
  };
  NetworkSettings: NetworkSettings;
  /** Only with `ps -s` (Docker: `inspect --size`). */
  SizeRw?: number;
  SizeRootFs?: number;
}

/** Docker's zero time, printed for a start or finish that has not happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's state words: a stopped container has "exited"; a record nobody can read is "dead". */
export function dockerStatus(r: ContainerRecord): NonNullable<ContainerState['Status']> {
  if (r.damaged || r.status === 'unknown') return 'dead';
  if (r.status === 'stopped' && r.restarting) return 'restarting';
  if (r.status === 'stopped') return 'exited';
  return r.status;
}

/** Everything the core record knows, in Docker's shape, with the zero values Docker shows. */
export function baseInspect(r: ContainerRecord): DockerContainerInspect {
  return {
    Id: r.id,
    Created: r.createdAt,
    Path: r.command[0] ?? '',
    Args: r.command.slice(1),
    State: stateOf(r),
    Image: r.imageId ? `sha256:${r.imageId}` : '',
    ResolvConfPath: mountSource(r, '/etc/resolv.conf'),
    HostnamePath: mountSource(r, '/etc/hostname'),
    HostsPath: mountSource(r, '/etc/hosts'),
    LogPath: '',
    Name: `/${r.name}`,
    RestartCount: r.restartCount ?? 0,
    Driver: '',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    HostConfig: hostConfigOf(r),
    Mounts: [],
    Config: configOf(r),
    NetworkSettings: networkSettingsOf(r),
  };
}

function isRunning(r: ContainerRecord): boolean {
  return r.status === 'running' && !r.damaged;
}

function stateOf(r: ContainerRecord): DockerContainerInspect['State'] {
  const running = isRunning(r);
  const status = dockerStatus(r);
  return {
    Status: status,
    Running: running || status === 'restarting',
    Paused: false,
    // Docker counts a container waiting its restart back-off as running and restarting.
    Restarting: status === 'restarting',
    OOMKilled: Boolean(r.oomKilled),
    Dead: status === 'dead',
    Pid: running ? (r.pid ?? 0) : 0,
    ExitCode: r.status === 'stopped' ? (r.exitCode ?? 0) : 0,
    Error: r.damaged ? (r.damage ?? 'the record could not be read') : (r.restartError ?? ''),
    StartedAt: r.startedAt ?? ZERO_TIME,
    FinishedAt: r.finishedAt ?? ZERO_TIME,
  };
}

function hostConfigOf(r: ContainerRecord): DockerContainerInspect['HostConfig'] {
  const spec = r.spec;
  const restartPolicy = restartPolicyOf(r);
  return {
    // The plugins that own the flags fill their parts (binds, network mode, privileges) in the inspect hook.
    Binds: null,
    ContainerIDFile: spec.cidFile ?? '',
    // No log plugin, no log: the logs plugin fills its driver in the inspect hook.
    LogConfig: { Type: 'none', Config: {} },
    NetworkMode: 'none',
    PortBindings: {},
    RestartPolicy: { Name: restartPolicy.name, MaximumRetryCount: restartPolicy.maximumRetryCount },
    AutoRemove: r.autoRemove,
    CapAdd: null,
    CapDrop: null,
    Privileged: false,
    ReadonlyRootfs: spec.readOnly === true,
    SecurityOpt: undefined,
    Devices: [],
    Memory: 0,
    MemorySwap: 0,
    NanoCpus: 0,
    CpuShares: 0,
    CpuPeriod: 0,
    CpuQuota: 0,
    MemoryReservation: 0,
    BlkioWeight: 0,
    CpusetCpus: '',
    CpusetMems: '',
    PidsLimit: null,
  };
}

function configOf(r: ContainerRecord): DockerContainerInspect['Config'] {
  const spec = r.spec;
  const entrypoint = spec.entrypoint ? [spec.entrypoint] : null;
  const cmd = entrypoint ? r.command.slice(1) : r.command;
  return {
    Hostname: r.hostname,
    Domainname: '',
    User: r.user ?? '',
    AttachStdin: spec.interactive && !spec.detach,
    AttachStdout: !spec.detach,
    AttachStderr: !spec.detach,
    Tty: r.tty,
    OpenStdin: spec.interactive,
    StdinOnce: stdinOnce(spec),
    Env: [...r.env],
    Cmd: cmd.length ? [...cmd] : null,
    Image: r.image,
    Volumes: null,
    WorkingDir: r.workdir,
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labelMap(spec.labels),
    // Docker shows these only when set (omitempty).
    ...(spec.stopSignal !== undefined ? { StopSignal: spec.stopSignal } : {}),
    ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
  };
}

/** The network plugin fills the networks it joined; a container without one has Docker's empty settings. */
function networkSettingsOf(r: ContainerRecord): NetworkSettings {
  const running = isRunning(r);
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    Ports: {},
    SandboxKey: running && r.pid ? `/proc/${r.pid}/ns/net` : '',
    SecondaryIPAddresses: null,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    MacAddress: '',
    Networks: {},
  };
}

function mountSource(r: ContainerRecord, destination: string): string {
  return r.mounts?.find((m) => m.destination === destination)?.source ?? '';
}

/** The full view: the record's part, then each plugin's part through the bus. */
export async function containerInspect(bus: LifecycleBus, r: ContainerRecord, options: { size?: boolean } = {}): Promise<DockerContainerInspect> {
  const view = baseInspect(r);
  // Sizes cost a walk of the layer: the storage plugin fills them only when the view holds the fields.
  if (options.size) Object.assign(view, { SizeRw: 0, SizeRootFs: 0 });
  if (!r.damaged) await bus.hooks.inspect.promise(r, view as unknown as ContainerInspectView);
  return view;
}
