import { EventJournal, type ContainerRecord, type DiskUsageReport, type EngineEvent, type InfoReport } from '@mydocker/core';
import { cpus, hostname, release, totalmem } from 'node:os';
import type { ApiCall } from '../call';
import type { ApiContext } from '../context';
import { filterList } from '../docker-filters';
import { route, type Route } from '../router';
import { imageIds } from './images';
import type { SystemVersion } from 'docker-types/generated/1.42';
import { API_VERSION, MIN_API_VERSION } from '../versions';
import type { AuthConfig } from 'docker-types/generated/1.42';
import { ApiError, badRequest } from '../api-error';
import { readJson } from '../body';
import { runCommand } from '../commands';
import { cli } from '../cli-shapes';

/** The package's own version, required when /version is first asked (a bundler inlines the JSON). */
function packageVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}
/** Go's GOARCH names, which Docker reports and clients compare against. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

async function ping(call: ApiCall): Promise<void> {
  call.send(200, call.method === 'HEAD' ? '' : 'OK');
}

export function versionReport(): SystemVersion & { MinAPIVersion: string } {
  return {
    Platform: { Name: 'mydocker Engine' },
    Components: [
      {
        Name: 'Engine',
        Version: packageVersion(),
        Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: ARCH[process.arch] ?? process.arch, KernelVersion: release() },
      },
    ],
    Version: packageVersion(),
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: process.version,
    Os: 'linux',
    Arch: ARCH[process.arch] ?? process.arch,
    KernelVersion: release(),
    BuildTime: '',
  };
}

async function version(call: ApiCall): Promise<void> {
  call.json(200, versionReport());
}

/** GET /info: Docker's SystemInfo from the engine's counts and the plugins' `info` sections. */
async function info(call: ApiCall, api: ApiContext): Promise<void> {
  const records = await api.engine.list();
  const running = records.filter((r) => r.status === 'running').length;
  const report: InfoReport = {};
  await api.bus.hooks.info.promise(report);
  let driver = '';
  try {
    driver = api.bus.storageDriver().name;
  } catch {
    driver = '';
  }
  const images = api.registry.get('images') ? (await imageIds(api)).length : 0;
  call.json(200, {
    ID: hostname(),
    Containers: records.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: records.length - running,
    Images: images,
    Driver: driver,
    DriverStatus: [],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file', 'json-file', 'none'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'k8s-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: String((report as Record<string, unknown>).CgroupVersion ?? '1'),
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: 'mydocker',
    OSVersion: '',
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: api.config.root,
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: packageVersion(),
    Runtimes: { mydocker: { path: 'mydocker-init' } },
    DefaultRuntime: 'mydocker',
    LiveRestoreEnabled: true,
    // No Isolation: Docker on Linux leaves it out (omitempty); '' is not one of the swagger's values.
    InitBinary: 'mydocker-init',
    SecurityOptions: ['name=seccomp,profile=default'],
    Warnings: [],
  });
}

/** GET /events: the engine's journal (every mydocker process appends to it), filtered as `docker events`. */
async function events(call: ApiCall, api: ApiContext): Promise<void> {
  const filters = filterList(call.query.get('filters'));
  const nano = (v: string | null) => (v === null || v === '' ? undefined : BigInt(Math.round(Number(v) * 1000)) * 1_000_000n);
  const since = nano(call.query.get('since'));
  const until = nano(call.query.get('until'));
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const [k, ...v] = f.split('=');
    byKey.set(k, [...(byKey.get(k) ?? []), v.join('=')]);
  }
  const matches = (e: EngineEvent): boolean => {
    const t = BigInt(e.timeNano);
    if (since !== undefined && t < since) return false;
    if (until !== undefined && t > until) return false;
    for (const [k, values] of byKey) {
      const attrs = e.Actor.Attributes ?? {};
      const ok = values.some((v) => {
        if (k === 'type') return e.Type === v;
        if (k === 'event') return e.Action === v || e.Action.split(':')[0] === v;
        if (k === 'container') return e.Type === 'container' && (e.Actor.ID.startsWith(v) || attrs.name === v);
        if (k === 'image') return attrs.image === v || (e.Type === 'image' && e.Actor.ID === v);
        if (k === 'network') return e.Type === 'network' && (e.Actor.ID.startsWith(v) || attrs.name === v);
        if (k === 'volume') return e.Type === 'volume' && e.Actor.ID === v;
        if (k === 'label') {
          const [lk, ...lv] = v.split('=');
          return lk in attrs && (lv.length === 0 || attrs[lk] === lv.join('='));
        }
        return false;
      });
      if (!ok) return false;
    }
    return true;
  };
  const journal = new EventJournal(api.config.runRoot);
  const out = call.stream('application/json');
  const write = (e: EngineEvent) => {
    if (matches(e)) out.write(`${JSON.stringify(e)}\n`);
  };
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  if (until !== undefined && until <= nowNs) {
    for (const e of journal.readAll()) write(e);
    out.end();
    return;
  }
  if (since !== undefined) for (const e of journal.readPrevious()) write(e);
  const stop = journal.follow(write, 100, since !== undefined);
  await new Promise<void>((resolve) => {
    call.onClose(resolve);
    if (until !== undefined) setTimeout(resolve, Number((until - nowNs) / 1_000_000n) + 1);
  });
  stop();
  out.end();
}

/** GET /system/df: the plugins' `diskUsage` rows (the same counts as `system df`) in Docker's shape. */
async function df(call: ApiCall, api: ApiContext): Promise<void> {
  const records = await api.engine.list();
  const report: DiskUsageReport = { containers: records, entries: [] };
  await api.bus.hooks.diskUsage.promise(report);
  const total = (type: string) => report.entries.find((e) => e.type === type);
  call.json(200, {
    LayersSize: total('Images')?.size ?? 0,
    Images: (total('Images')?.items ?? []).map((i) => ({
      Id: String(i.ID ?? i.Id ?? ''),
      RepoTags: [`${i.Repository}:${i.Tag}`],
      Size: Number(i.SizeBytes ?? 0),
      SharedSize: -1,
      Containers: Number(i.Containers ?? 0),
      Created: 0,
      ParentId: '',
      RepoDigests: [],
      Labels: {},
      VirtualSize: Number(i.SizeBytes ?? 0),
    })),
    Containers: await Promise.all(records.map((r) => containerUsage(api, r))),
    Volumes: (total('Local Volumes')?.items ?? []).map((v) => ({
      Name: String(v['VOLUME NAME'] ?? v.Name ?? ''),
      Driver: 'local',
      Mountpoint: '',
      Scope: 'local',
      Labels: {},
      Options: {},
      UsageData: { Size: Number(v.SizeBytes ?? -1), RefCount: Number(v.LINKS ?? v.Links ?? 0) },
    })),
    BuildCache: [],
  });
}

/** A container's row of /system/df: its sizes from the storage plugin's inspect (`docker system df -v`'s SIZE). */
async function containerUsage(api: ApiContext, r: ContainerRecord) {
  const view = await cli().containerInspect(api.bus, r, { size: true });
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.image,
    Command: r.command.join(' '),
    Created: Math.floor(Date.parse(r.createdAt) / 1000),
    State: r.status === 'stopped' ? 'exited' : r.status,
    SizeRw: view.SizeRw ?? 0,
    SizeRootFs: view.SizeRootFs ?? 0,
  };
}

/** Docker's managed plugins do not exist here: every one is missing (docker inspect asks for them last). */
async function plugin(call: ApiCall): Promise<void> {
  call.json(404, { message: `plugin "${call.params[0]}" not found` });
}

/**
 * POST /auth: the images plugin's `login` — the registry is asked (a token with no scope), and the
 * credentials are kept in the service's own store, which its pulls and pushes use unless a request's
 * X-Registry-Auth carries credentials of its own (registry-auth.ts). Wrong credentials are Docker's 401.
 */
async function auth(call: ApiCall, api: ApiContext): Promise<void> {
  const body = (await readJson(call.req)) as AuthConfig;
  for (const key of ['username', 'password', 'serveraddress'] as const)
    if (body[key] !== undefined && typeof body[key] !== 'string') throw badRequest(`${key} must be a string.`);
  if (!body.username || !body.password) throw badRequest('Give username and password.');
  try {
    await runCommand(api, 'login', { server: body.serveraddress || undefined, username: body.username, password: body.password });
  } catch (err) {
    if (/\b401\b|unauthori[sz]ed|denied/i.test((err as Error).message)) throw new ApiError(401, (err as Error).message);
    throw err;
  }
  call.json(200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export const systemRoutes: Route[] = [
  route('POST /auth', auth),
  route('GET /plugins/{name*}/json', plugin),
  route('GET /_ping', ping),
  route('HEAD /_ping', ping),
  route('GET /version', version),
  route('GET /info', info),
  route('GET /events', events),
  route('GET /system/df', df),
];
