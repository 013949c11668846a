import type { LifecycleBus } from './bus';
import { ContainerContext } from './context';
import { ConflictError, NotFoundError, UsageError } from './errors';
import { faultInsideHook, faultPoint } from './faults';
import { emitContainerEvent, signalNumber } from './event-taps';
import { assertValidName, generateId, generateName } from './ids';
import { EXIT_CODE_UNKNOWN, type ContainerRecord, type ExitStatus, type RunSpec } from './model';
import { isProcessAlive, processStartTime, proveContainerProcess, sleep, type ProcessProof } from './process';
import { nextRestartDelay, parseRestartPolicy, restartsAtBoot, shouldRestart, type RestartPolicy } from './restart-policy';
import type { RunCancellation } from './run-signals';
import { startStep, stopGraceMs, stopSignalOf } from './start-step';
import type { Runtime } from './services';
import { trace } from './trace';
import { systemClock, TOKENS, type Clock } from './tokens';

/** The record's restart policy; a stored value that no longer parses counts as "no". */
export function restartPolicyOf(record: Pick<ContainerRecord, 'spec'>): RestartPolicy {
  try {
    return parseRestartPolicy(record.spec?.restart);
  } catch {
    return { name: 'no', maximumRetryCount: 0 };
  }
}

export interface RunResult {
  record: ContainerRecord;
  /** Foreground containers: how they ended. */
  exit?: ExitStatus;
}

export interface StopOptions {
  /** Seconds between the stop signal and SIGKILL; undefined: the container's --stop-timeout, else 10. */
  timeoutSeconds?: number;
}

export interface RemoveOptions {
  force: boolean;
  volumes: boolean;
  /**
   * `rm -f -t N`: send the stop signal and give the container N seconds before SIGKILL. Undefined: the
   * container's --stop-timeout when it has one, else SIGKILL at once (Docker's `rm -f`).
   */
  timeoutSeconds?: number;
}

export interface RunOptions {
  /** Signals the caller receives: before the start they cancel the run, after it they go to the container. */
  signals?: RunCancellation;
  /**
   * Called under the container's lock once its record and layer exist, before anything runs (e.g. the
   * CLI writes --cidfile). A throw rolls the whole run back.
   */
  onCreated?: (record: ContainerRecord) => void | Promise<void>;
}

export interface StartOptions {
  /** `start -a`: the container's output goes to ours and the call waits for its end (a foreground run). */
  attach?: boolean;
  /** `start -i`: our stdin goes to the container (with `attach`). */
  interactive?: boolean;
  signals?: RunCancellation;
  /**
   * Without `attach`: a container created with `-i` keeps a stdin pipe that attach clients write into (the
   * Engine API's start, as Docker's daemon does); otherwise a detached start gives it no stdin.
   */
  openStdin?: boolean;
}

export interface StartResult {
  record: ContainerRecord;
  /** With `attach`: how the container ended. */
  exit?: ExitStatus;
  /** It was running already: nothing was done (Docker's `start` of a running container). */
  alreadyRunning?: boolean;
}

const stderrWarn = (message: string) => process.stderr.write(`${message}\n`);

/**
 * The container lifecycle, written once in terms of hooks and services. It knows no plugin: the state
 * store, the runtime and the image store are looked up on the bus.
 */
export class Engine {
  constructor(
    readonly bus: LifecycleBus,
    /** One-line warnings (a PID that is not the container's, a damaged record removed). */
    readonly warn: (message: string) => void = stderrWarn,
  ) {}

  get hooks() {
    return this.bus.hooks;
  }

  /** The container's clock (a test's fake clock makes timestamps exact), else the system's. */
  private now(): string {
    const { container } = this.bus;
    const clock = container.isRegistered(TOKENS.Clock, true) ? container.resolve<Clock>(TOKENS.Clock) : systemClock;
    return clock.now().toISOString();
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
      createdAt: this.now(),
      status: 'created',
      creatorPid: process.pid,
      creatorStartTime: processStartTime(process.pid),
      env: [...spec.env],
      hostname: spec.hostname ?? id.slice(0, 12),
      workdir: spec.workdir ?? '/',
      user: spec.user,
      tty: spec.tty,
      detach: spec.detach,
      autoRemove: spec.autoRemove,
      spec,
      ext: {},
    };
  }

  /**
   * validate → create → prepare → spawn → created → start → started. A failure anywhere undoes what was
   * made (in reverse order) before the error reaches the user. From `create` to `started` the container's
   * lock is held, so a racing `rm -f` waits for a whole container instead of pulling its cgroups or
   * layer from under the run; a signal before the start cancels the run the same way as a failure.
   */
  async run(spec: RunSpec, onStarted?: (record: ContainerRecord) => void, options: RunOptions = {}): Promise<RunResult> {
    const store = this.bus.need('stateStore', 'Running a container');
    const runtime = this.bus.need('runtime', 'Running a container');
    const { signals } = options;
    const ctx = await this.validated(spec, signals);
    await store.withLock(ctx.record.id, async () => {
      try {
        await this.hooks.create.promise(ctx);
        faultPoint('run:after-create');
        signals?.throwIfCancelled();
        await options.onCreated?.(ctx.record);
        await this.launch(ctx, signals);
      } catch (err) {
        await this.rollback(ctx, 'run', err);
        throw err;
      }
    });
    ctx.commit();
    onStarted?.(ctx.record);
    if (spec.detach) return { record: ctx.record };
    const exit = await runtime.wait(ctx);
    trace('exit');
    const record = await this.finalize(ctx.record.id, exit);
    await this.restartAfterForeground(record);
    return { record: record ?? ctx.record, exit };
  }

  /**
   * A foreground run (or `start -a`) has no monitor left to wait the back-off: as Docker's CLI returns at
   * the first exit while the daemon restarts the container, this process waits the delay and starts it
   * again in the background.
   */
  private async restartAfterForeground(record: ContainerRecord | undefined): Promise<void> {
    if (!record?.restarting) return;
    await sleep(record.restartDelayMs ?? 0);
    await this.restartByPolicy(record.id).catch((err: Error) => this.warn(`mydocker: warning: restarting container ${record.name}: ${err.message}`));
  }

  /**
   * `mydocker create`: validate → create, nothing runs. The record is `created` with `awaitingStart`, so
   * no command mistakes it for a run whose creator crashed; `start` prepares and runs it later.
   */
  async create(spec: RunSpec, options: Pick<RunOptions, 'onCreated'> = {}): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore', 'Creating a container');
    this.bus.need('runtime', 'Creating a container');
    const ctx = await this.validated(spec);
    ctx.record.awaitingStart = true;
    await store.withLock(ctx.record.id, async () => {
      try {
        await this.hooks.create.promise(ctx);
        faultPoint('create:after-create');
        await options.onCreated?.(ctx.record);
      } catch (err) {
        await this.rollback(ctx, 'create', err);
        throw err;
      }
    });
    ctx.commit();
    return ctx.record;
  }

  /** A fresh record for `spec`, checked by every plugin's `validate` (nothing is made yet). */
  private async validated(spec: RunSpec, signals?: RunCancellation): Promise<ContainerContext> {
    this.bus.need('images', 'Running a container');
    const ctx = new ContainerContext(this.bus.config, this.newRecord(spec), spec);
    if (parseRestartPolicy(spec.restart).name !== 'no' && spec.autoRemove) throw new UsageError('Conflicting options: cannot specify both --restart and --rm.');
    await this.hooks.validate.promise(ctx);
    trace('validate');
    if (ctx.record.command.length === 0) {
      throw new UsageError('No command specified: give one after the image name, or use an image that has a default command.');
    }
    faultPoint('run:after-validate');
    signals?.throwIfCancelled();
    return ctx;
  }

  /**
   * prepare → spawn → created → start → started, for a record whose persistent parts exist (made by
   * `create` just now or by an earlier command). The caller holds the lock and rolls back on a throw.
   */
  private async launch(ctx: ContainerContext, signals: RunCancellation | undefined): Promise<void> {
    const runtime = this.bus.need('runtime', 'Running a container');
    await this.hooks.prepare.promise(ctx);
    trace('create');
    signals?.throwIfCancelled();
    await runtime.spawn(ctx);
    faultPoint('run:after-spawn');
    trace('spawn');
    signals?.throwIfCancelled();
    await this.hooks.created.promise(ctx);
    faultPoint('run:after-created');
    trace('created');
    signals?.throwIfCancelled();
    await runtime.start(ctx);
    signals?.started(ctx.spec.detach ? undefined : (signal) => runtime.signal(ctx.record, signal));
    faultPoint('run:after-start');
    ctx.record.status = 'running';
    ctx.record.startedAt = this.now();
    delete ctx.record.awaitingStart;
    await this.hooks.started.promise(ctx);
    faultPoint('run:after-started');
    trace('start');
  }

  /** Undo steps in reverse, then the `failed` taps with the error that caused it. */
  private async rollback(ctx: ContainerContext, what: string, cause: unknown): Promise<void> {
    const failures = await ctx.rollback();
    if (failures.length > 0) {
      this.warn(`mydocker: warning: clean-up after a failed ${what} left problems: ${failures.map((f) => f.message).join('; ')}`);
    }
    try {
      await this.hooks.failed.promise(ctx, cause instanceof Error ? cause : new Error(String(cause)));
    } catch {
      // An observer's failure must not hide why the run failed.
    }
  }

  /**
   * `start`: a created or exited container runs again with its id, name, layer, log and settings (only
   * `prepare` onwards runs: what `create` made is kept). A running one is left alone. A failure rolls back
   * what this start made, and the record is as it was. With `attach`, waits for the end like a
   * foreground `run` (and --rm removes it then).
   */
  async start(ref: string, options: StartOptions = {}): Promise<StartResult> {
    const store = this.bus.need('stateStore', 'Starting a container');
    const runtime = this.bus.need('runtime', 'Starting a container');
    const found = await store.get(ref);
    this.refuseDamaged(found, 'start');
    // A run that has just ended: its monitor records the exit code and runs its clean-up, which takes the
    // lock; let it finish first, so that its late exit file cannot land on the new run's.
    if (found.status === 'running' && !runtime.isRunning(found)) await runtime.waitMonitor(found, 10_000);
    const attach = Boolean(options.attach);
    let ctx: ContainerContext | undefined;
    const already = await store.withLock(found.id, async () => {
      const record = await store.find(found.id);
      if (!record) throw new NotFoundError(`No such container: ${ref}`);
      this.refuseDamaged(record, 'start');
      const creatorAlive = record.creatorPid !== process.pid && isProcessAlive(record.creatorPid, record.creatorStartTime);
      const step = startStep(record, { running: runtime.isRunning(record), creatorAlive });
      if (step === 'already-running') return record;
      if (step === 'being-created') throw new ConflictError(`Container ${record.name} is being started by another command: try again when it is up.`);
      if (step === 'settle-first') {
        await this.settleLocked(record, undefined, false);
        // A --rm container that ended is its clean-up's to remove, not to start again.
        if (record.autoRemove) throw new NotFoundError(`No such container: ${ref}`);
      }
      // A start by hand begins the policy afresh (Docker resets its restart manager): a pending restart's
      // monitor stops waiting, the count and back-off start over, and `stop` no longer holds it down.
      this.endBackoff(record);
      for (const key of ['restartCount', 'restartDelayMs', 'manuallyStopped', 'restartCancelled', 'restartError'] as const) delete record[key];
      // The run's own view of the request: -a/-i say where its output and stdin go this time.
      ctx = await this.relaunch(
        record,
        { ...record.spec, detach: !attach, interactive: attach ? Boolean(options.interactive) : Boolean(options.openStdin) && record.spec.interactive },
        options.signals,
        'start',
      );
      return undefined;
    });
    if (already) return { record: this.view(already), alreadyRunning: true };
    const started = ctx!;
    started.commit();
    if (!attach) return { record: started.record };
    const exit = await runtime.wait(started);
    trace('exit');
    const record = await this.finalize(started.record.id, exit);
    await this.restartAfterForeground(record);
    return { record: record ?? started.record, exit };
  }

  /**
   * Under the lock: prepare onwards for a record whose persistent parts exist. A failure rolls back what
   * this start made and puts the record back as it was (`started` may have written it as running).
   */
  private async relaunch(record: ContainerRecord, spec: RunSpec, signals: RunCancellation | undefined, what: string): Promise<ContainerContext> {
    const store = this.bus.need('stateStore');
    const before = structuredClone(record);
    record.creatorPid = process.pid;
    record.creatorStartTime = processStartTime(process.pid);
    delete record.exitCode;
    delete record.oomKilled;
    delete record.restarting;
    const ctx = new ContainerContext(this.bus.config, record, spec);
    try {
      await this.launch(ctx, signals);
    } catch (err) {
      await this.rollback(ctx, what, err);
      if (record.status === 'running') await store.save(before).catch(() => undefined);
      throw err;
    }
    return ctx;
  }

  /**
   * The restart a policy asked for, after its back-off (run by the monitor as `container-restart ID`,
   * or by a foreground run): under the lock, only if the record still wants it — `stop`, `start` and
   * `rm` meanwhile cancel it. The new run is detached with a monitor of its own. A failure leaves the
   * container exited with the reason in State.Error, as Docker gives up after a failed restart.
   */
  async restartByPolicy(ref: string): Promise<ContainerRecord | undefined> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const found = await store.find(ref);
    if (!found) return undefined;
    let ctx: ContainerContext | undefined;
    await store.withLock(found.id, async () => {
      const record = await store.find(found.id);
      if (!record || record.damaged || !record.restarting || runtime.isRunning(record)) return;
      try {
        ctx = await this.relaunch(record, { ...record.spec, detach: true }, undefined, 'restart');
      } catch (err) {
        const failed = (await store.find(found.id)) ?? record;
        delete failed.restarting;
        failed.restartError = (err as Error).message;
        await store.save(failed);
        throw err;
      }
    });
    ctx?.commit();
    return ctx?.record;
  }

  /**
   * Containers whose policy nobody is applying, because their monitor is gone: a run that ended while its
   * monitor was dead (its record still says running), or a restart that was pending when the monitor was
   * killed. `ps` and `system restart-policies` call this; with `boot` (the mydocker-restart unit, after a
   * reboot) stopped containers come back too, by Docker's daemon-start rules (`restartsAtBoot`).
   */
  async applyRestartPolicies(options: { boot: boolean }): Promise<{ restarted: ContainerRecord[]; failed: Array<{ name: string; error: Error }> }> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const restarted: ContainerRecord[] = [];
    const failed: Array<{ name: string; error: Error }> = [];
    for (const listed of await store.list()) {
      if (!this.orphanedPolicy(runtime, listed, options.boot)) continue;
      try {
        const revived = await store.withLock(listed.id, async () => {
          const record = await store.find(listed.id);
          if (!record || !this.orphanedPolicy(runtime, record, options.boot)) return false;
          if (record.status !== 'stopped') await this.settleLocked(record, undefined, false);
          else if (!record.restarting && this.bootRestart(record)) {
            // As Docker's daemon start: a stop by hand held it down until now, not across a reboot.
            record.restartCount = (record.restartCount ?? 0) + 1;
            record.restarting = true;
            delete record.manuallyStopped;
            delete record.restartCancelled;
            await store.save(record);
          }
          return record.restarting === true;
        });
        const record = revived ? await this.restartByPolicy(listed.id) : undefined;
        if (record) restarted.push(record);
      } catch (err) {
        failed.push({ name: listed.name, error: err as Error });
      }
    }
    return { restarted, failed };
  }

  /** A container with a policy, not running, and no live monitor to apply it. */
  private orphanedPolicy(runtime: Runtime, record: ContainerRecord, boot: boolean): boolean {
    if (record.damaged || record.awaitingStart || record.status === 'created') return false;
    if (restartPolicyOf(record).name === 'no') return false;
    if (runtime.isRunning(record) || this.monitorAlive(runtime, record)) return false;
    return boot || record.status === 'running' || record.restarting === true;
  }

  private bootRestart(record: ContainerRecord): boolean {
    return restartsAtBoot(restartPolicyOf(record), {
      exitCode: record.exitCode ?? EXIT_CODE_UNKNOWN,
      manuallyStopped: Boolean(record.manuallyStopped),
      restartCount: record.restartCount ?? 0,
    });
  }

  private monitorAlive(runtime: Runtime, record: ContainerRecord): boolean {
    if (runtime.monitorAlive) return runtime.monitorAlive(record);
    return record.monitorStartTime !== undefined && isProcessAlive(record.monitorPid, record.monitorStartTime);
  }

  /**
   * A pending restart is called off: the monitor waiting its back-off is told to go (SIGTERM; it only
   * waits once the container's process is gone, so nothing is forwarded to a container).
   */
  private endBackoff(record: ContainerRecord): void {
    if (!record.restarting) return;
    delete record.restarting;
    if (record.monitorPid && record.monitorStartTime !== undefined && isProcessAlive(record.monitorPid, record.monitorStartTime)) {
      try {
        process.kill(record.monitorPid, 'SIGTERM');
      } catch {
        /* gone meanwhile */
      }
    }
  }

  /** `stop`, and `kill` with the stop signal: the policy leaves this run down (Docker's ExitOnNext). */
  private async holdDown(record: ContainerRecord, cancel: boolean): Promise<void> {
    if (restartPolicyOf(record).name === 'no' && !record.restarting) return;
    const store = this.bus.need('stateStore');
    await store.withLock(record.id, async () => {
      const current = await store.find(record.id);
      if (!current || current.damaged) return;
      current.manuallyStopped = true;
      if (cancel) {
        current.restartCancelled = true;
        this.endBackoff(current);
      }
      await store.save(current);
      Object.assign(record, { manuallyStopped: true, restartCancelled: current.restartCancelled, restarting: current.restarting });
    });
  }

  /** `restart`: stop (a no-op for a created or exited container), then start, detached. */
  async restart(ref: string, options: StopOptions = {}): Promise<ContainerRecord> {
    const stopped = await this.stop(ref, options);
    return (await this.start(stopped.id)).record;
  }

  /**
   * Brings the record in line with a container whose process has ended: the `stopped` hooks release
   * what it held, then --rm removes it. Idempotent and safe to race: the monitor's clean-up command,
   * `stop`, `rm -f` and a foreground `run` may all call it; the first does the work. A damaged record is
   * left to `rm -f`, which knows to clean from the id alone.
   */
  async finalize(ref: string, known?: ExitStatus): Promise<ContainerRecord | undefined> {
    const store = this.bus.need('stateStore');
    const found = await store.find(ref);
    if (!found) return undefined;
    let autoRemove = false;
    const record = await store.withLock(found.id, async () => {
      const record = await store.find(found.id);
      if (!record || record.damaged) return record;
      await this.settleLocked(record, known, false);
      autoRemove = record.status === 'stopped' && record.autoRemove;
      return record;
    });
    trace('stopped');
    if (record && autoRemove) {
      await this.remove(record.id, { force: true, volumes: true });
      trace('remove');
    }
    return record;
  }

  /**
   * Under the container's lock: a record whose process has ended becomes `stopped` with the best exit
   * code there is (the caller's, the monitor's exit file, or unknown when no monitor saw the end), and
   * the `stopped` hooks run. A live PID 1, or a record another live process is still creating, is left.
   */
  private async settleLocked(record: ContainerRecord, known: ExitStatus | undefined, removing: boolean): Promise<void> {
    const runtime = this.bus.need('runtime');
    if (record.status === 'stopped') return;
    if (runtime.isRunning(record)) return;
    // Made by `create` and waiting for `start`: nothing ran, nothing crashed; only a removal settles it.
    if (record.status === 'created' && record.awaitingStart && !removing) return;
    if (record.status === 'created' && record.creatorPid !== process.pid && isProcessAlive(record.creatorPid, record.creatorStartTime) && !removing) return;
    const exit = known ?? runtime.exitStatus(record);
    const wasRunning = record.status === 'running' || record.damaged === true;
    record.status = 'stopped';
    record.finishedAt = this.now();
    if (exit) record.exitCode = exit.code;
    else if (wasRunning) record.exitCode = EXIT_CODE_UNKNOWN;
    if (wasRunning && !removing) this.decideRestart(record);
    const ctx = new ContainerContext(this.bus.config, record);
    ctx.removing = removing;
    await this.hooks.stopped.promise(ctx);
  }

  /**
   * A run has ended (the record is being settled): its policy decides whether it comes back, and the
   * back-off it waits (stored, so the next end doubles it). The monitor, or a foreground run, does the wait.
   */
  private decideRestart(record: ContainerRecord): void {
    const policy = restartPolicyOf(record);
    if (policy.name === 'no') return;
    const ranMs = Date.parse(record.finishedAt ?? '') - Date.parse(record.startedAt ?? record.finishedAt ?? '');
    record.restartDelayMs = nextRestartDelay(record.restartDelayMs, Number.isFinite(ranMs) ? ranMs : 0);
    const end = {
      exitCode: record.exitCode ?? EXIT_CODE_UNKNOWN,
      cancelled: Boolean(record.restartCancelled),
      manuallyStopped: Boolean(record.manuallyStopped),
      restartCount: record.restartCount ?? 0,
    };
    if (!shouldRestart(policy, end)) return;
    record.restartCount = end.restartCount + 1;
    record.restarting = true;
  }

  async stop(ref: string, options: StopOptions): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const record = await store.get(ref);
    this.refuseDamaged(record, 'stop');
    this.warnStranger(runtime, record);
    // Before the signal: the run's end must find its policy called off.
    await this.holdDown(record, true);
    let stopped = false;
    if (record.status === 'running' && runtime.isRunning(record)) {
      const refusal = await this.hooks.preStop.promise(new ContainerContext(this.bus.config, record));
      if (refusal) throw new ConflictError(refusal);
      // This command settles the record below (it waits for the monitor anyway): the monitor need not
      // start its clean-up command, a second Node process. A stop that dies before it settled leaves a
      // record whose process is gone, which start, rm and the restart policies settle as after a killed monitor.
      runtime.claimSettle?.(record);
      const stopSignal = stopSignalOf(record);
      runtime.signal(record, stopSignal);
      await emitContainerEvent(this.bus, 'kill', record, { signal: signalNumber(stopSignal) });
      faultPoint('stop:after-signal');
      if (!(await runtime.waitExit(record, stopGraceMs(record, options.timeoutSeconds)))) {
        runtime.signal(record, 'SIGKILL');
        await emitContainerEvent(this.bus, 'kill', record, { signal: signalNumber('SIGKILL') });
        await runtime.waitExit(record, 10_000);
      }
      stopped = true;
    }
    try {
      await this.settle(record);
    } finally {
      if (stopped) runtime.releaseSettleClaim?.(record);
    }
    if (stopped) await emitContainerEvent(this.bus, 'stop', record);
    return (await store.find(record.id)) ?? { ...record, status: 'stopped' };
  }

  async kill(ref: string, signal: NodeJS.Signals | number): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const record = await store.get(ref);
    this.refuseDamaged(record, 'kill');
    this.warnStranger(runtime, record);
    if (!(record.status === 'running' && runtime.isRunning(record))) {
      throw new ConflictError(`Container ${record.name} is not running.`);
    }
    const stopSignal = stopSignalOf(record);
    await this.holdDown(record, signalNumber(signal) === signalNumber(stopSignal));
    runtime.signal(record, signal);
    await this.hooks.signalled.promise(new ContainerContext(this.bus.config, record), signal);
    await emitContainerEvent(this.bus, 'kill', record, { signal: signalNumber(signal) });
    return record;
  }

  /** After the process is gone: let the monitor finish its clean-up, then make sure it happened. */
  private async settle(record: ContainerRecord): Promise<void> {
    const runtime = this.bus.need('runtime');
    await runtime.waitMonitor(record, 10_000);
    await this.finalize(record.id);
  }

  /**
   * The whole removal holds the container's lock: a racing run, stop, rm or monitor clean-up waits,
   * and a container another command removed meanwhile is simply done. Nothing here writes before it
   * deletes, so that `rm -f` works on a full disk.
   */
  async remove(ref: string, options: RemoveOptions): Promise<ContainerRecord> {
    const store = this.bus.need('stateStore');
    const runtime = this.bus.need('runtime');
    const found = await store.get(ref);
    const removed = await store.withLock(found.id, async () => {
      const record = await store.find(found.id);
      if (!record) return found; // removed by another command meanwhile: what was asked is done
      const ctx = new ContainerContext(this.bus.config, record);
      ctx.force = options.force;
      ctx.removeVolumes = options.volumes;
      ctx.removing = true;
      const damaged = record.damaged === true;
      if (damaged && !options.force) this.refuseDamaged(record, 'remove');
      // A monitor waiting a restart back-off goes now: nothing is left to restart.
      if (!damaged && record.restarting && this.monitorAlive(runtime, record)) {
        if (!options.force) throw new ConflictError(`You cannot remove a restarting container ${record.name}: stop it first, or use rm -f.`);
        this.endBackoff(record);
      }
      if (damaged) runtime.adopt?.(record);
      if (!damaged) this.warnStranger(runtime, record);
      const running = record.status !== 'stopped' && runtime.isRunning(record);
      if (options.force && running) {
        // -t (or the container's --stop-timeout): the stop signal and that grace first, as `stop` does.
        const graceful = !damaged && (options.timeoutSeconds !== undefined || record.spec.stopTimeout !== undefined);
        if (graceful) {
          const stopSignal = stopSignalOf(record);
          runtime.signal(record, stopSignal);
          await this.hooks.signalled.promise(ctx, stopSignal);
        }
        if (!graceful || !(await runtime.waitExit(record, stopGraceMs(record, options.timeoutSeconds)))) {
          runtime.signal(record, 'SIGKILL');
          await this.hooks.signalled.promise(ctx, 'SIGKILL');
          await runtime.waitExit(record, 10_000);
        }
      }
      // A record left "running" or "created" by a process that is gone (or was just killed) is settled first.
      if (record.status !== 'stopped' && (options.force || !running)) await this.settleLocked(record, undefined, true);
      const refusal = await this.hooks.preRemove.promise(ctx);
      if (refusal) throw refusal instanceof Error ? refusal : new ConflictError(refusal);
      faultPoint('rm:after-preRemove');
      faultInsideHook('rm:mid-remove', this.hooks.remove);
      await this.hooks.remove.promise(ctx);
      if (damaged) this.reportDamagedRemoval(record, ctx.cleaned);
      return record;
    });
    // The monitor of a killed container still runs its clean-up command, which waits for the lock we held:
    // once it has seen the record gone and exited, nothing of the container is left (its held ports too).
    // (Not when this process is that clean-up command, removing a --rm container: its monitor waits for us.)
    if (removed.monitorPid && removed.monitorPid !== process.ppid) await runtime.waitMonitor(removed, 10_000);
    return removed;
  }

  private reportDamagedRemoval(record: ContainerRecord, cleaned: string[]): void {
    const what = [record.pid ? `killed its PID 1 (${record.pid})` : 'found no process of it', ...cleaned];
    this.warn(
      `mydocker: warning: container ${record.id.slice(0, 12)} had a damaged record (${record.damage ?? 'unreadable'}); removed from its id: ${what.join(', ')}.`,
    );
  }

  /** A damaged record proves nothing about its container: only `rm -f` may act on it. */
  private refuseDamaged(record: ContainerRecord, action: 'stop' | 'kill' | 'remove' | 'start'): void {
    if (!record.damaged) return;
    const why = action === 'remove' ? ', so nothing proves the container stopped' : '';
    throw new ConflictError(
      `Cannot ${action} container ${record.name}: its record is damaged (${record.damage ?? 'unreadable'})${why}; remove it with \`mydocker rm -f ${record.id.slice(0, 12)}\`.`,
    );
  }

  private proof(runtime: Runtime | undefined, record: ContainerRecord): ProcessProof {
    if (runtime?.prove) return runtime.prove(record);
    return proveContainerProcess(record.pid, record.pidStartTime, record.pidNamespace);
  }

  /** A record naming a live PID that is not provably the container's: say once that it is left alone. */
  private warnStranger(runtime: Runtime, record: ContainerRecord): void {
    if (record.status === 'stopped') return;
    const { stranger } = this.proof(runtime, record);
    if (stranger) this.warn(`mydocker: warning: container ${record.name}: ${stranger}; treating the container as stopped and leaving that process alone.`);
  }

  /** Records as stored, with the status corrected for processes that are gone (read-only). */
  async list(): Promise<ContainerRecord[]> {
    const store = this.bus.need('stateStore');
    return (await store.list()).map((r) => this.view(r));
  }

  async inspect(ref: string): Promise<ContainerRecord> {
    return this.view(await this.bus.need('stateStore').get(ref));
  }

  /**
   * The truth about a record without changing it: a running record whose PID 1 is gone (or is not
   * provably the container's) reads as stopped, with its exit code where known and EXIT_CODE_UNKNOWN
   * when its monitor died before it; a live PID 1 whose monitor is gone reads as running, unmonitored.
   */
  view(record: ContainerRecord): ContainerRecord {
    if (record.status !== 'running' || record.damaged) return record;
    const runtime = this.bus.has('runtime') ? this.bus.need('runtime') : undefined;
    const monitorAlive = runtime?.monitorAlive ? runtime.monitorAlive(record) : true;
    if (this.proof(runtime, record).ours) return monitorAlive ? record : { ...record, unmonitored: true };
    const exit = runtime?.exitStatus(record);
    return { ...record, status: 'stopped', exitCode: exit?.code ?? (monitorAlive ? record.exitCode : EXIT_CODE_UNKNOWN) };
  }
}
