import {
  emptyRunSpec,
  EXIT_CODE_UNKNOWN,
  MydockerError,
  ProcessRunSignals,
  UsageError,
  type RunCancellation,
  type CommandSpec,
  type ContainerRecord,
  type RunSpec,
  type NetworkRunOptions,
  type CommandArgs,
} from '@mydocker/core';
import { rmSync } from 'node:fs';
import { resolveEnv } from '../env';
import { resolveLabels } from '../labels';
import { checkCidFile, writeCidFile } from '../cidfile';
import { RUN_FLAGS } from '../run-flags';
import { parseSignal } from './lifecycle';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/** `run` flags and positionals → the RunSpec the engine and plugins work from. */
export function toRunSpec(args: CommandArgs, rest: string[], defaultImage: string, callerEnv: NodeJS.ProcessEnv, verb = 'run'): RunSpec {
  if (rest.length === 0) throw new UsageError(`"${verb}" needs an image or a command: mydocker ${verb} [OPTIONS] IMAGE [COMMAND] [ARG...].`);
  // The seed's form `run /bin/top` names no image: an absolute path is a command in the default image.
  const [image, command] = rest[0].startsWith('/') ? [defaultImage, rest] : [rest[0], rest.slice(1)];
  if (image === '') throw new UsageError('The image name must not be empty.');
  for (const flag of ['name', 'hostname', 'workdir', 'user', 'memory', 'network']) {
    if (args[flag] !== undefined && String(args[flag]) === '') throw new UsageError(`The --${flag} flag needs a non-empty value.`);
  }
  return emptyRunSpec({
    image,
    command,
    name: str(args.name),
    detach: Boolean(args.detach),
    tty: Boolean(args.tty),
    interactive: Boolean(args.interactive),
    autoRemove: Boolean(args.rm),
    hostname: str(args.hostname),
    env: resolveEnv(list(args.env), list(args['env-file']), callerEnv),
    workdir: str(args.workdir),
    user: str(args.user),
    entrypoint: str(args.entrypoint),
    readOnly: Boolean(args['read-only']),
    resources: {
      memory: str(args.memory),
      memorySwap: str(args['memory-swap']),
      cpuShares: str(args['cpu-shares']),
      cpus: str(args.cpus),
      cpusetCpus: str(args['cpuset-cpus']),
      cpusetMems: str(args['cpuset-mems']),
      pidsLimit: str(args['pids-limit']),
    },
    volumes: list(args.volume),
    network: str(args.network),
    publish: list(args.publish),
    capAdd: list(args['cap-add']),
    capDrop: list(args['cap-drop']),
    privileged: Boolean(args.privileged),
    securityOpt: list(args['security-opt']),
    logOpts: list(args['log-opt']),
    devices: list(args.device),
    pull: str(args.pull),
    platform: str(args.platform),
    ...runFlagExtras(args),
    attach: args.attach === undefined ? undefined : list(args.attach),
    sigProxy: args['sig-proxy'] === undefined ? undefined : Boolean(args['sig-proxy']),
    detachKeys: str(args['detach-keys']),
    init: args.init === undefined ? undefined : Boolean(args.init),
    stopSignal: args['stop-signal'] === undefined ? undefined : String(parseSignal(String(args['stop-signal']))),
    stopTimeout: stopTimeoutOf(args['stop-timeout']),
    cidFile: args.cidfile === undefined ? undefined : checkCidFile(String(args.cidfile)),
  });
}

/** --stop-timeout: whole seconds, -1 for no limit (Docker's). */
function stopTimeoutOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^-?\d+$/.test(text) || Number(text) < -1) throw new UsageError(`Invalid --stop-timeout "${text}": give whole seconds (-1: no limit).`);
  return Number(text);
}

/**
 * The engine's onCreated for --cidfile: writes the id once the container exists (a failure there rolls
 * the container back). `cleanup` removes the file again if what follows fails.
 */
export function cidFileWriter(spec: RunSpec): { onCreated?: (r: ContainerRecord) => void; cleanup(): void } {
  let written = false;
  const path = spec.cidFile;
  if (!path) return { cleanup: () => undefined };
  return {
    onCreated: (record) => {
      writeCidFile(path, record.id);
      written = true;
    },
    cleanup: () => {
      if (written) rmSync(path, { force: true });
    },
  };
}

/** --label/--label-file, --mount, --tmpfs, --log-driver, --restart, --health-*: set only when given, so a RunSpec stays as it was without them. */
function runFlagExtras(args: CommandArgs): Partial<RunSpec> {
  const extras: Partial<RunSpec> = {};
  const labels = resolveLabels(list(args.label), list(args['label-file']));
  if (labels.length) extras.labels = labels;
  if (list(args.mount).length) extras.mounts = list(args.mount);
  if (list(args.tmpfs).length) extras.tmpfs = list(args.tmpfs);
  if (args['log-driver'] !== undefined) extras.logDriver = String(args['log-driver']);
  if (args['publish-all']) extras.publishAll = true;
  const net: NetworkRunOptions = {
    aliases: list(args['network-alias']),
    addHosts: list(args['add-host']),
    dns: list(args.dns),
    dnsSearch: list(args['dns-search']),
    dnsOptions: list(args['dns-option']),
    macAddress: str(args['mac-address']),
    ip: str(args.ip),
  };
  for (const key of Object.keys(net) as Array<keyof NetworkRunOptions>) if (net[key] === undefined || net[key]!.length === 0) delete net[key];
  if (Object.keys(net).length > 0) extras.networkOptions = net;
  if (args.restart !== undefined) extras.restart = String(args.restart);
  const health = {
    cmd: str(args['health-cmd']),
    interval: str(args['health-interval']),
    timeout: str(args['health-timeout']),
    retries: str(args['health-retries']),
    startPeriod: str(args['health-start-period']),
    none: args.healthcheck === false ? true : undefined,
  };
  if (Object.values(health).some((v) => v !== undefined)) extras.health = health;
  return extras;
}

export const runCommand: CommandSpec = {
  command: 'run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  describe: 'Run a command in a new container',
  rawArgs: true,
  builder: (y) => {
    for (const f of RUN_FLAGS) y.option(f.name, { alias: f.alias, type: f.type, describe: f.describe });
    return y;
  },
  async run(args, { engine, config, stdout }) {
    // Before anything exists: a signal from here on cancels the run (rolled back) or goes to the container.
    const signals = new ProcessRunSignals();
    try {
      const spec = toRunSpec(args, args.rest as string[], config.defaultImage, process.env);
      // --sig-proxy=false: once the container runs, a signal is the CLI's own (it dies of it, the
      // container runs on), as Docker's CLI; one that comes while the start is being recorded waits for it.
      let late: NodeJS.Signals | undefined;
      const cancellation: RunCancellation =
        spec.sigProxy === false && !spec.detach
          ? { throwIfCancelled: () => signals.throwIfCancelled(), started: () => signals.started((signal) => (late ??= signal)) }
          : signals;
      const cid = cidFileWriter(spec);
      const result = await engine
        .run(
          spec,
          (record) => {
            if (spec.detach) stdout.write(`${record.id}\n`);
            if (cancellation !== signals) {
              signals.dispose();
              if (late) process.kill(process.pid, late);
            }
          },
          { signals: cancellation, onCreated: cid.onCreated },
        )
        .catch((err) => {
          cid.cleanup();
          throw err;
        });
      if (result.exit?.code === EXIT_CODE_UNKNOWN) {
        throw new MydockerError(`The monitor of container ${result.record.name} was killed, so how the container ended is unknown.`);
      }
      return result.exit?.code ?? 0;
    } finally {
      signals.dispose();
    }
  },
};
