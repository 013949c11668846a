import { ConflictError, emitContainerEvent, MydockerError, UsageError, type CommandContext, type CommandSpec, type ContainerRecord } from '@mydocker/core';
import { PLUGIN_NAME, type NamespacesExt } from '../ext';
import type { HealthConfig } from './config';
import { runProbe } from './probe';
import { applyResult, currentHealth, type HealthState } from './state';
import { healthFile, updateHealth } from './store';

export function healthConfigOf(record: ContainerRecord): HealthConfig | undefined {
  return (record.ext[PLUGIN_NAME] as NamespacesExt | undefined)?.healthcheck;
}

/**
 * Runs the container's check once and records the result (Docker's probe handling): the monitor runs
 * this every interval, a user may run it by hand (Podman's `healthcheck run`). A change of status is a
 * `health_status: …` event. Resolves with the new state and whether this check passed.
 */
export async function checkHealth(ctx: CommandContext, ref: string): Promise<{ state: HealthState; passed: boolean }> {
  const { bus, engine } = ctx;
  const runtime = bus.need('runtime', 'The "healthcheck" command');
  const record = await engine.inspect(ref);
  const config = healthConfigOf(record);
  if (!config) throw new MydockerError(`Container ${record.name} has no defined healthcheck.`, 125);
  if (record.status !== 'running' || !runtime.isRunning(record) || !record.startedAt) throw new ConflictError(`Container ${record.name} is not running.`);
  const result = await runProbe(bus, record, config);
  const startedAt = record.startedAt;
  const { before, after } = await updateHealth(healthFile(bus, record.id), (stored) => applyResult(currentHealth(stored, startedAt), result, config));
  const previous = currentHealth(before, startedAt).status;
  if (after.status !== previous) await emitContainerEvent(bus, `health_status: ${after.status}`, record);
  return { state: after, passed: result.ExitCode === 0 };
}

export const healthcheckCommand: CommandSpec = {
  command: 'healthcheck <action> <container>',
  describe: "Run a container's health check now (run), as its monitor does every interval",
  builder: (y) => y.positional('action', { type: 'string', describe: 'run' }).positional('container', { type: 'string' }),
  async run(args, ctx) {
    if (String(args.action) !== 'run') throw new UsageError(`Unknown "healthcheck" action "${String(args.action)}": use run.`);
    const { passed } = await checkHealth(ctx, String(args.container));
    // Podman's answer: nothing and 0 when the check passed, "unhealthy" and 1 when it failed.
    if (passed) return 0;
    ctx.stdout.write('unhealthy\n');
    return 1;
  },
};
