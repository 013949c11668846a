import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isProcessAlive,
  MydockerError,
  processStartTime,
  waitForProcessExit,
  type ContainerContext,
  type ContainerRecord,
  type ExitStatus,
  type LifecycleBus,
  type Runtime,
  TOKENS,
  type ProcessSpawner,
} from '@mydocker/core';
import { runtimeFlags } from './flags';
import { attachStreams, containerStdinOnce, parseDetachKeys } from './attach-options';
import { attachSocketPath } from './attach-command';
import { buildSecurity } from './capabilities';
import { launchEnv } from './command-resolution';
import { readExitFile } from './exit-file';
import { HelperProcess } from './helper-process';
import { runConfig, type RunLaunch } from './launch-config';
import { HEALTH_DEFAULTS, startIntervalOf } from './health/config';
import { PLUGIN_NAME, type NamespacesExt } from './ext';
import { EXIT_CODE_UNKNOWN, pidNamespaceOf, proveContainerProcess, restartPolicyOf, type ProcessProof } from '@mydocker/core';
import { findContainerInit } from './proc-scan';

/**
 * The Runtime service: every container is one mydocker-init process (the monitor) with the container's
 * PID 1 as its child. Within one CLI process the helper objects are kept for start/wait; later commands
 * work from the PIDs and start times in the record.
 */
export class NamespacesRuntime implements Runtime {
  private readonly helpers = new Map<string, HelperProcess>();

  /** The container's process spawner (the engine registers node's; a test may register another). */
  private spawner(): ProcessSpawner | undefined {
    const { container } = this.bus;
    return container.isRegistered(TOKENS.ProcessSpawner, true) ? container.resolve<ProcessSpawner>(TOKENS.ProcessSpawner) : undefined;
  }

  constructor(private readonly bus: LifecycleBus) {}

  exitFile(id: string): string {
    return join(this.bus.need('stateStore').containerDir(id), 'exit');
  }

  /** Its presence tells the monitor that the command stopping the container settles it (claimSettle). */
  exitClaimFile(id: string): string {
    return join(this.bus.need('stateStore').containerDir(id), 'exit-claimed');
  }

  /**
   * `stop` and `rm -f`, before their signal: the monitor then runs no exit command (a second Node start,
   * ~0.4 s CPU) and the caller, which waits for the monitor anyway, settles the record itself. A claim
   * that cannot be written changes nothing: the monitor's clean-up runs as before.
   */
  claimSettle(record: ContainerRecord): void {
    try {
      writeFileSync(this.exitClaimFile(record.id), `${process.pid}\n`);
    } catch {
      // The monitor's own clean-up settles it instead.
    }
  }

  /** After the caller has settled the record: the next run's monitor must clean up after itself again. */
  releaseSettleClaim(record: ContainerRecord): void {
    rmSync(this.exitClaimFile(record.id), { force: true });
  }

  /** The monitor's attach socket, beside the exit file in the container's directory. */
  attachSocket(id: string): string {
    return attachSocketPath(this.bus.need('stateStore').containerDir(id));
  }

  async spawn(ctx: ContainerContext): Promise<void> {
    if (!ctx.rootfs) throw new MydockerError('No root filesystem was prepared for the container: install a storage plugin such as @mydocker/aufs-storage.');
    const { record, spec } = ctx;
    const security = ctx.security ?? buildSecurity(runtimeFlags(spec));
    const exitFile = this.exitFile(record.id);
    rmSync(exitFile, { force: true });
    // A claim left by a `stop` that died before it settled must not skip this run's clean-up.
    rmSync(this.exitClaimFile(record.id), { force: true });
    // validate refused -a with -d for `run`; a later start of the same container (detached) keeps its streams.
    const streams = attachStreams({ ...spec, detach: false });
    const entries = runConfig({
      rootfs: ctx.rootfs,
      ...(ctx.rootfsMount ? { rootfsMount: ctx.rootfsMount } : {}),
      command: record.command,
      env: launchEnv(record.env, record.hostname, spec.tty),
      hostname: record.hostname,
      workdir: record.workdir,
      user: record.user,
      tty: spec.tty,
      interactive: streams.stdin,
      stdinOnce: containerStdinOnce(record.spec),
      detach: spec.detach,
      readOnly: spec.readOnly === true,
      mounts: ctx.mounts,
      devices: record.devices,
      security,
      shared: [...ctx.sharedNamespaces],
      log: ctx.log,
      exitFile,
      exitCommand: [...this.bus.config.selfCommand, 'container-cleanup', record.id],
      exitClaimFile: this.exitClaimFile(record.id),
      attachSocket: this.attachSocket(record.id),
      attachStdout: streams.stdout,
      attachStderr: streams.stderr,
      sigProxy: spec.sigProxy,
      init: runtimeFlags(spec).init,
      detachKeys: spec.tty && streams.stdin && !spec.detach ? parseDetachKeys(spec.detachKeys) : undefined,
      ...policyAndHealth(this.bus.config.selfCommand, record),
      cgroupSelfJoin: ctx.cgroupSelfJoin,
    });
    const helper = await HelperProcess.start(entries, spec.detach, ctx.heldFds, {}, this.spawner());
    ctx.onRollback(PLUGIN_NAME, async () => {
      const pid = record.pid;
      const start = record.pidStartTime;
      helper.kill();
      if (proveContainerProcess(pid, start, record.pidNamespace).ours) process.kill(pid!, 'SIGKILL');
      await Promise.race([helper.exited, waitForProcessExit(helper.pid, helper.startTime, 5000)]);
      await waitForProcessExit(pid, start, 5000);
      this.helpers.delete(record.id);
    });
    this.helpers.set(record.id, helper);
    const pid = await helper.readPid();
    record.pid = pid;
    record.pidStartTime = processStartTime(pid);
    record.pidNamespace = pidNamespaceOf(pid);
    record.monitorPid = helper.pid;
    record.monitorStartTime = helper.startTime;
  }

  async start(ctx: ContainerContext): Promise<void> {
    const helper = this.helper(ctx.record.id);
    await helper.go();
    if (ctx.spec.detach) {
      helper.release();
      this.helpers.delete(ctx.record.id);
    }
  }

  /**
   * Foreground containers. Signals are the caller's business (the engine forwards them); this waits for
   * the monitor's "exit N". A monitor killed before it could say it leaves PID 1 re-parented to the
   * host's init: wait for that PID to end (polling its start time, as Node has no pidfd), and since no
   * parent of ours can read its status, the exit code is unknown unless the exit file has it.
   */
  async wait(ctx: ContainerContext): Promise<ExitStatus> {
    const helper = this.helpers.get(ctx.record.id);
    if (!helper) {
      await this.waitMonitor(ctx.record, 2 ** 31 - 1);
      return this.exitStatus(ctx.record) ?? { code: EXIT_CODE_UNKNOWN };
    }
    try {
      const code = await helper.waitExitCode();
      if (helper.detached) {
        helper.release();
        return { code };
      }
      const recorded = this.exitStatus(ctx.record);
      if (recorded) return recorded;
      if (helper.child.signalCode === null) return { code };
      await this.waitExit(ctx.record, 2 ** 31 - 1);
      return this.exitStatus(ctx.record) ?? { code: EXIT_CODE_UNKNOWN };
    } finally {
      this.helpers.delete(ctx.record.id);
    }
  }

  /** Only a PID proven to be the container's PID 1 is ever signalled; anything else is left alone. */
  signal(record: ContainerRecord, signal: NodeJS.Signals | number): void {
    if (!this.isRunning(record)) return;
    try {
      process.kill(record.pid!, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  prove(record: ContainerRecord): ProcessProof {
    return proveContainerProcess(record.pid, record.pidStartTime, record.pidNamespace);
  }

  isRunning(record: ContainerRecord): boolean {
    return this.prove(record).ours;
  }

  waitExit(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
    if (!this.isRunning(record)) return Promise.resolve(true);
    return waitForProcessExit(record.pid, record.pidStartTime, timeoutMs);
  }

  /** A monitor without a recorded start time cannot be told from a recycled PID: it is not waited for. */
  waitMonitor(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
    if (!this.monitorAlive(record)) return Promise.resolve(true);
    return waitForProcessExit(record.monitorPid, record.monitorStartTime, timeoutMs);
  }

  monitorAlive(record: ContainerRecord): boolean {
    return record.monitorStartTime !== undefined && isProcessAlive(record.monitorPid, record.monitorStartTime);
  }

  exitStatus(record: ContainerRecord): ExitStatus | undefined {
    if (!this.bus.has('stateStore')) return undefined;
    return readExitFile(this.exitFile(record.id));
  }

  /**
   * For a damaged record: the container's PID 1 is the process that is first in its own pid namespace
   * and sits in a cgroup named after the id (as the cgroups plugin names them); its parent is the monitor
   * if that runs our helper binary. Found this way, the PID is proven by construction.
   */
  adopt(record: ContainerRecord): boolean {
    const found = findContainerInit(record.id);
    if (!found) return false;
    Object.assign(record, found);
    return true;
  }

  private helper(id: string): HelperProcess {
    const helper = this.helpers.get(id);
    if (!helper) throw new MydockerError(`The container ${id} was not spawned by this process.`);
    return helper;
  }
}

type MonitorDuties = Pick<
  RunLaunch,
  'restartCommand' | 'dieWithMonitor' | 'healthCommand' | 'healthIntervalMs' | 'healthStartIntervalMs' | 'healthStartPeriodMs'
>;

/**
 * What the monitor does besides watching: the restart command (always: the exit command reads the policy
 * from the record, which `update --restart` may change while the container runs), the health check's.
 */
function policyAndHealth(self: string[], record: ContainerRecord): MonitorDuties {
  const launch: MonitorDuties = { restartCommand: [...self, 'container-restart', record.id] };
  if (restartPolicyOf(record).name !== 'no') launch.dieWithMonitor = true;
  const health = (record.ext[PLUGIN_NAME] as NamespacesExt | undefined)?.healthcheck;
  if (health) {
    launch.healthCommand = [...self, 'healthcheck', 'run', record.id];
    launch.healthIntervalMs = health.intervalMs || HEALTH_DEFAULTS.intervalMs;
    launch.healthStartIntervalMs = startIntervalOf(health);
    launch.healthStartPeriodMs = health.startPeriodMs;
  }
  return launch;
}

export type { NamespacesExt };
