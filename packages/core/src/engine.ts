import type { LifecycleBus } from './bus';
import { ContainerContext } from './context';
import { ConflictError, MissingPluginError, UsageError } from './errors';
import { faultInsideHook, faultPoint } from './faults';
import { assertValidName, generateId, generateName } from './ids';
import type { ContainerRecord, ExitStatus, RunSpec } from './model';
import { isProcessAlive, processStartTime } from './process';
import { trace } from './trace';

const RESOURCE_FLAGS: Record<string, string> = {
  memory: '-m/--memory',
  memorySwap: '--memory-swap',
  cpuShares: '--cpu-shares',
  cpus: '--cpus',
  cpusetCpus: '--cpuset-cpus',
  cpusetMems: '--cpuset-mems',
  pidsLimit: '--pids-limit',
};

/**
 * RunSpec options that belong to a plugin: the option key a plugin claims, the flag the user typed
 * (undefined when not used), and the package that handles it.
 */
const PLUGIN_OPTIONS: Array<{ option: string; usedFlag: (s: RunSpec) => string | undefined; pkg: string }> = [
  {
    option: 'resources',
    usedFlag: (s) => {
      const key = Object.keys(s.resources).find((k) => s.resources[k as keyof RunSpec['resources']] !== undefined);
      return key && (RESOURCE_FLAGS[key] ?? `--${key}`);
    },
    pkg: '@mydocker/cgroups',
  },
  { option: 'network', usedFlag: (s) => (s.network !== undefined && s.network !== 'none' ? '--net/--network' : undefined), pkg: '@mydocker/network' },
  { option: 'publish', usedFlag: (s) => (s.publish.length > 0 ? '-p/--publish' : undefined), pkg: '@mydocker/network' },
  { option: 'volumes', usedFlag: (s) => (s.volumes.length > 0 ? '-v/--volume' : undefined), pkg: '@mydocker/aufs-storage' },
  { option: 'logOpts', usedFlag: (s) => (s.logOpts.length > 0 ? '--log-opt' : undefined), pkg: '@mydocker/logs' },
];

export interface RunResult {
  record: ContainerRecord;
  /** Foreground containers: how they ended. */
  exit?: ExitStatus;
}

export interface StopOptions {
  timeoutSeconds: number;
}

export interface RemoveOptions {
  force: boolean;
  volumes: boolean;
}

/**
 * The container lifecycle, written once in terms of hooks and services. It knows no plugin: the state
 * store, the runtime and the image store are looked up on the bus.
 */
export class Engine {
  constructor(readonly bus: LifecycleBus) {}

  get hooks() {
    return this.bus.hooks;
  }

  /** A fresh record for a run request (not yet stored). */
  newRecord(spec: RunSpec): ContainerRecord {
    const id = generateId();
    const name = spec.name ?? generateName(id);
    assertValidName(name);
    return {
      id,
      name,
      image: spec.image,
      command: [...spec.command],
      createdAt: new Date().toISOString(),
      status: 'created',
      creatorPid: process.pid,
      creatorStartTime: processStartTime(process.pid),
      env: [...spec.env],
      hostname: spec.hostname ?? name,
      workdir: spec.workdir ?? '/',
      user: spec.user,
      tty: spec.tty,
      detach: spec.detach,
      autoRemove: spec.autoRemove,
      spec,
      ext: {},
    };
  }

  /** Every option that needs a plugin must be claimed by an installed one. */
  checkOptionOwners(spec: RunSpec): void {
    for (const { option, usedFlag, pkg } of PLUGIN_OPTIONS) {
      const flag = usedFlag(spec);
      if (flag && !this.bus.isClaimed(option)) throw new MissingPluginError(`The ${flag} flag`, pkg);
    }
  }

  /**
   * validate → create → spawn → created → start → started. A failure anywhere undoes what was made
   * (in reverse order) before the error reaches the user.
   */
  async run(spec: RunSpec, onStarted?: (record: ContainerRecord) => void): Promise<RunResult> {
    const store = this.bus.need('stateStore', 'Running a container');
    const runtime = this.bus.need('runtime', 'Running a container');
    this.bus.need('images', 'Running a container');
    const ctx = new ContainerContext(this.bus.config, this.newRecord(spec), spec);
    this.checkOptionOwners(spec);
    await this.hooks.validate.promise(ctx);
    trace('validate');
    if (ctx.record.command.length === 0) {
      throw new UsageError('No command specified: give one after the image name, or use an image that has a default command.');
    }
    faultPoint('run:after-validate');
    try {
      await this.hooks.create.promise(ctx);
      faultPoint('run:after-create');
      trace('create');
      await runtime.spawn(ctx);
      faultPoint('run:after-spawn');
      trace('spawn');
      await this.hooks.created.promise(ctx);
      faultPoint('run:after-created');
      trace('created');
      await runtime.start(ctx);
      faultPoint('run:after-start');
      ctx.record.status = 'running';
      ctx.record.startedAt = new Date().toISOString();
      await this.hooks.started.promise(ctx);
      faultPoint('run:after-started');
      trace('start');
    } catch (err) {
      const failures = await ctx.rollback();
      if (failures.length > 0) {
        process.emitWarning(`clean-up after a failed run left problems: ${failures.map((f) => f.message).join('; ')}`);
      }
      throw err;
    }
    ctx.commit();
    onStarted?.(ctx.record);
    if (spec.detach) return { record: ctx.record };
    const exit = await runtime.wait(ctx);
    trace('exit');
    const record = await this.finalize(ctx.record.id, exit);
    return { record: record ?? ctx.record, exit };
  }

  /**
   * Brings the record in line with a container whose process has ended: the `stopped` hooks release
   * what it held, then --rm removes it. Idempotent and safe to race: the monitor's clean-up command,
   * `stop`, `rm -f` and a foreground `run` may all call it; the first does the work.
   */
  async finalize(ref: string, known?: ExitStatus): Promise<ContainerRecord | undefined> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const found = await store.find(ref);
    if (!found) return undefined;
    let autoRemove = false;
    const record = await store.withLock(found.id, async () => {
      const record = await store.find(found.id);
      if (!record) return undefined;
      if (record.status === 'stopped') return record;
      if (record.status === 'running' && runtime.isRunning(record)) return record;
      const exit = known ?? runtime.exitStatus(record);
      const ctx = new ContainerContext(this.bus.config, record);
      record.status = 'stopped';
      record.finishedAt = new Date().toISOString();
      if (exit) record.exitCode = exit.code;
      await this.hooks.stopped.promise(ctx);
      autoRemove = record.autoRemove;
      return record;
    });
    trace('stopped');
    if (record && autoRemove) {
      await this.remove(record.id, { force: true, volumes: true });
      trace('remove');
    }
    return record;
  }

  async stop(ref: string, options: StopOptions): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const record = await store.get(ref);
    if (record.status === 'running' && runtime.isRunning(record)) {
      const refusal = await this.hooks.preStop.promise(new ContainerContext(this.bus.config, record));
      if (refusal) throw new ConflictError(refusal);
      runtime.signal(record, 'SIGTERM');
      faultPoint('stop:after-signal');
      if (!(await runtime.waitExit(record, options.timeoutSeconds * 1000))) {
        runtime.signal(record, 'SIGKILL');
        await runtime.waitExit(record, 10_000);
      }
    }
    await this.settle(record);
    return (await store.find(record.id)) ?? { ...record, status: 'stopped' };
  }

  async kill(ref: string, signal: NodeJS.Signals | number): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const record = await store.get(ref);
    if (!(record.status === 'running' && runtime.isRunning(record))) {
      throw new ConflictError(`Container ${record.name} is not running.`);
    }
    runtime.signal(record, signal);
    return record;
  }

  /** After the process is gone: let the monitor finish its clean-up, then make sure it happened. */
  private async settle(record: ContainerRecord): Promise<void> {
    const runtime = this.bus.need('runtime');
    await runtime.waitMonitor(record, 10_000);
    await this.finalize(record.id);
  }

  async remove(ref: string, options: RemoveOptions): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    let record = await store.get(ref);
    const running = record.status !== 'stopped' && runtime.isRunning(record);
    if (options.force && running) {
      runtime.signal(record, 'SIGKILL');
      await runtime.waitExit(record, 10_000);
    }
    // A record left "running" or "created" by a process that is gone (or was just killed) is settled first.
    if (record.status !== 'stopped' && (options.force || !running)) await this.settle(record);
    return store.withLock(record.id, async () => {
      const current = await store.find(record.id);
      if (!current) return record; // removed meanwhile (--rm)
      // -f has killed it: a record still saying "running" (its stopped state did not fit on a full disk) is read as what it is.
      record = options.force ? this.view(current) : current;
      const ctx = new ContainerContext(this.bus.config, record);
      ctx.force = options.force;
      ctx.removeVolumes = options.volumes;
      const refusal = await this.hooks.preRemove.promise(ctx);
      if (refusal) throw new ConflictError(refusal);
      faultPoint('rm:after-preRemove');
      faultInsideHook('rm:mid-remove', this.hooks.remove);
      await this.hooks.remove.promise(ctx);
      return record;
    });
  }

  /** Records as stored, with the status corrected for processes that are gone (read-only). */
  async list(): Promise<ContainerRecord[]> {
    const store = this.bus.need('stateStore');
    return (await store.list()).map((r) => this.view(r));
  }

  async inspect(ref: string): Promise<ContainerRecord> {
    return this.view(await this.bus.need('stateStore').get(ref));
  }

  /** A running record whose process died without clean-up reads as stopped, with its code where known. */
  view(record: ContainerRecord): ContainerRecord {
    if (record.status !== 'running') return record;
    const runtime = this.bus.has('runtime') ? this.bus.need('runtime') : undefined;
    const alive = runtime ? runtime.isRunning(record) : isProcessAlive(record.pid, record.pidStartTime);
    if (alive) return record;
    const exit = runtime?.exitStatus(record);
    return { ...record, status: 'stopped', exitCode: exit?.code ?? record.exitCode };
  }
}
