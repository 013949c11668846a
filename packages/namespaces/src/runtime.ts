import { closeSync, rmSync } from 'node:fs';
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
} from '@mydocker/core';
import { buildSecurity } from './capabilities';
import { launchEnv } from './command-resolution';
import { readExitFile } from './exit-file';
import { HelperProcess } from './helper-process';
import { runConfig } from './launch-config';
import { PLUGIN_NAME, type NamespacesExt } from './ext';

/**
 * The Runtime service: every container is one mydocker-init process (the monitor) with the container's
 * PID 1 as its child. Within one CLI process the helper objects are kept for start/wait; later commands
 * work from the PIDs and start times in the record.
 */
export class NamespacesRuntime implements Runtime {
  private readonly helpers = new Map<string, HelperProcess>();

  constructor(private readonly bus: LifecycleBus) {}

  exitFile(id: string): string {
    return join(this.bus.need('stateStore').containerDir(id), 'exit');
  }

  async spawn(ctx: ContainerContext): Promise<void> {
    if (!ctx.rootfs) throw new MydockerError('No root filesystem was prepared for the container: install a storage plugin such as @mydocker/aufs-storage.');
    const { record, spec } = ctx;
    const security = ctx.security ?? buildSecurity(spec);
    const exitFile = this.exitFile(record.id);
    rmSync(exitFile, { force: true });
    const entries = runConfig({
      rootfs: ctx.rootfs,
      command: record.command,
      env: launchEnv(record.env, record.hostname, spec.tty),
      hostname: record.hostname,
      workdir: record.workdir,
      user: record.user,
      tty: spec.tty,
      interactive: spec.interactive,
      detach: spec.detach,
      readOnly: spec.readOnly,
      mounts: ctx.mounts,
      devices: record.devices,
      security,
      shared: [...ctx.sharedNamespaces],
      log: ctx.log,
      exitFile,
      exitCommand: [...this.bus.config.selfCommand, 'container-cleanup', record.id],
    });
    const helper = await HelperProcess.start(entries, spec.detach, ctx.heldFds);
    releaseHeldFds(ctx.heldFds);
    ctx.onRollback(PLUGIN_NAME, async () => {
      const pid = record.pid;
      const start = record.pidStartTime;
      helper.kill();
      if (isProcessAlive(pid, start)) process.kill(pid!, 'SIGKILL');
      await Promise.race([helper.exited, waitForProcessExit(helper.pid, helper.startTime, 5000)]);
      await waitForProcessExit(pid, start, 5000);
      this.helpers.delete(record.id);
    });
    this.helpers.set(record.id, helper);
    const pid = await helper.readPid();
    record.pid = pid;
    record.pidStartTime = processStartTime(pid);
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

  async wait(ctx: ContainerContext): Promise<ExitStatus> {
    const helper = this.helpers.get(ctx.record.id);
    if (!helper) {
      await this.waitMonitor(ctx.record, 2 ** 31 - 1);
      return this.exitStatus(ctx.record) ?? { code: 125 };
    }
    // Ctrl-C and Ctrl-\ reach the monitor too (same process group); it forwards them to the container.
    const ignore = () => undefined;
    const forward = (signal: NodeJS.Signals) => {
      try {
        helper.child.kill(signal);
      } catch {
        /* gone */
      }
    };
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    try {
      const code = await helper.waitExitCode();
      const recorded = this.exitStatus(ctx.record);
      return recorded && recorded.code === code ? recorded : { code };
    } finally {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      this.helpers.delete(ctx.record.id);
    }
  }

  signal(record: ContainerRecord, signal: NodeJS.Signals | number): void {
    if (!this.isRunning(record)) return;
    try {
      process.kill(record.pid!, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  isRunning(record: ContainerRecord): boolean {
    return isProcessAlive(record.pid, record.pidStartTime);
  }

  waitExit(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
    return waitForProcessExit(record.pid, record.pidStartTime, timeoutMs);
  }

  waitMonitor(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
    return waitForProcessExit(record.monitorPid, record.monitorStartTime, timeoutMs);
  }

  exitStatus(record: ContainerRecord): ExitStatus | undefined {
    if (!this.bus.has('stateStore')) return undefined;
    return readExitFile(this.exitFile(record.id));
  }

  private helper(id: string): HelperProcess {
    const helper = this.helpers.get(id);
    if (!helper) throw new MydockerError(`The container ${id} was not spawned by this process.`);
    return helper;
  }
}

/** The monitor has its own copies now; emptying the list tells their owner there is nothing left to close. */
function releaseHeldFds(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      /* already closed by its owner */
    }
  }
}

export type { NamespacesExt };
