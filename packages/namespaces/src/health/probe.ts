import { emitContainerEvent, ContainerContext, randomHex, type ContainerRecord, type LifecycleBus } from '@mydocker/core';
import { finished } from 'node:stream/promises';
import { buildSecurity } from '../capabilities';
import { launchEnv } from '../command-resolution';
import { PLUGIN_NAME, type NamespacesExt } from '../ext';
import { runtimeFlags } from '../flags';
import { HelperProcess } from '../helper-process';
import { execConfig } from '../launch-config';
import { HEALTH_DEFAULTS, probeCommand, type HealthConfig } from './config';
import { MAX_OUTPUT, type HealthResult } from './state';

/** Go's Duration String() for whole values, as Docker's timeout message prints it: "30s", "1m0s", "500ms". */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s - m * 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s - m * 60}s`;
}

/**
 * One check, through the same path as `exec`: the helper joins the container's namespaces (the cgroups
 * plugin puts it in the container's cgroup at `execCreated`) and runs the test with the container's env,
 * user and security. The helper gets a session of its own, so on a time-out one SIGKILL to its process
 * group ends it and everything the check started inside the container: no probe outlives its time-out.
 * stdout and stderr together are kept up to 4 KiB, as Docker does.
 */
export async function runProbe(bus: LifecycleBus, record: ContainerRecord, config: HealthConfig): Promise<HealthResult> {
  const Start = new Date().toISOString();
  const timeoutMs = config.timeoutMs || HEALTH_DEFAULTS.timeoutMs;
  const command = probeCommand(config.test);
  const ext = record.ext[PLUGIN_NAME] as NamespacesExt | undefined;
  const entries = execConfig({
    pid: record.pid!,
    command,
    env: launchEnv(record.env, record.hostname, false),
    workdir: record.workdir,
    user: record.user,
    tty: false,
    interactive: false,
    security: ext?.security ?? buildSecurity(runtimeFlags(record.spec)),
  });
  const finish = (ExitCode: number, Output: string): HealthResult => ({ Start, End: new Date().toISOString(), ExitCode, Output });
  let helper: HelperProcess;
  try {
    helper = await HelperProcess.start(entries, true, [], { captureOutput: true });
  } catch (err) {
    return finish(-1, (err as Error).message);
  }
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  helper.child.stdout?.on('data', collect);
  helper.child.stderr?.on('data', collect);
  // The exit code comes on the control channel and may arrive before the last output does: the result
  // waits for both pipes to end (CI saw "ExitCode 1, Output ''" for a failing `cat`), or for the time-out.
  const outputEnded = Promise.all([helper.child.stdout, helper.child.stderr].map((s) => (s ? finished(s).catch(() => undefined) : undefined)));
  let timedOut = false;
  let timeoutFired = () => {};
  const timeoutReached = new Promise<void>((resolve) => (timeoutFired = resolve));
  const killGroup = () => {
    try {
      process.kill(-helper.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
    timeoutFired();
  }, timeoutMs);
  const execID = randomHex(32);
  const words = command.join(' ');
  try {
    const pid = await helper.readPid();
    await emitContainerEvent(bus, `exec_create: ${words}`, record, { execID });
    await bus.hooks.execCreated.promise(new ContainerContext(bus.config, record), pid);
    await helper.go();
    await emitContainerEvent(bus, `exec_start: ${words}`, record, { execID });
    const code = await helper.waitExitCode();
    await Promise.race([outputEnded, timeoutReached]);
    await emitContainerEvent(bus, 'exec_die', record, { execID, exitCode: String(code) });
    if (timedOut) return finish(-1, `Health check exceeded timeout (${goDuration(timeoutMs)})`);
    return finish(code, output);
  } catch (err) {
    killGroup();
    await helper.exited;
    if (timedOut) return finish(-1, `Health check exceeded timeout (${goDuration(timeoutMs)})`);
    return finish(-1, (err as Error).message);
  } finally {
    clearTimeout(timer);
    helper.child.stdout?.destroy();
    helper.child.stderr?.destroy();
  }
}
