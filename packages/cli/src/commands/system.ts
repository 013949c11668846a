// `system prune`'s decisions live in core's engine (pruneContainers, pruneVerdict); re-exported for old imports.
export { pruneVerdict, type PruneVerdict } from '@mydocker/core';
import { pruneContainers, UsageError, type CommandContext, type CommandSpec, type DiskUsageReport, type CommandArgs } from '@mydocker/core';
import { isReportable, writeError } from '../error-output';

async function prune(ctx: CommandContext): Promise<number> {
  let code = 0;
  // The engine removes what is not running and runs the plugins' prune taps; a container that cannot
  // be removed is reported and the rest go on.
  const { deleted, kept, removed } = await pruneContainers(ctx.engine, (err) => {
    if (!isReportable(err)) throw err;
    code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
  });
  const out: string[] = [];
  if (deleted.length > 0) out.push('Deleted Containers:', ...deleted, '');
  if (removed.length > 0) out.push('Removed leftovers:', ...removed, '');
  for (const k of kept) out.push(`Skipped: ${k}`);
  out.push(`Total: ${deleted.length} container(s), ${removed.length} leftover(s) removed`);
  ctx.stdout.write(`${out.join('\n')}\n`);
  return code;
}

/** `system df [-v] [--format F]`: each plugin counts what it stores through the bus's `diskUsage` hook. */
async function df(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const report: DiskUsageReport = { containers: ctx.bus.has('stateStore') ? await ctx.engine.list() : [], entries: [] };
  await ctx.bus.hooks.diskUsage.promise(report);
  const { renderDf, renderDfVerbose } = await import('../system-df');
  ctx.stdout.write(args.verbose && !args.format ? renderDfVerbose(report.entries) : renderDf(report.entries, args.format as string | undefined));
  return 0;
}

/**
 * `system restart-policies`: what Docker's daemon does when it starts, for a daemonless engine (run at
 * boot by the mydocker-restart unit): every container whose restart policy brings it back and that has
 * no monitor to do it is started again. Prints the names it started.
 */
async function restartPolicies(ctx: CommandContext): Promise<number> {
  const { restarted, failed } = await ctx.engine.applyRestartPolicies({ boot: true });
  for (const r of restarted) ctx.stdout.write(`${r.name}\n`);
  let code = 0;
  for (const f of failed) {
    ctx.stderr.write(`Error: restarting container ${f.name}: ${f.error.message}\n`);
    code = 1;
  }
  return code;
}

export const systemCommand: CommandSpec = {
  command: 'system <action>',
  describe:
    'Manage mydocker: df (disk usage), prune (remove stopped containers and what crashes left behind), restart-policies (start what restart policies bring back, as after a reboot), service (the Docker Engine API, from @mydocker/engine-api)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', describe: 'df | prune | restart-policies | service' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'prune: do not prompt for confirmation (there is no prompt: accepted for Docker)' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'df: show a table per type' })
      .option('format', { type: 'string', describe: 'df: Go template ({{.Type}}, {{.TotalCount}}, {{.Active}}, {{.Size}}, {{.Reclaimable}}), table or json' }),
  async run(args, ctx) {
    const action = String(args.action);
    if (action === 'prune') return prune(ctx);
    if (action === 'df') return df(args, ctx);
    if (action === 'restart-policies') return restartPolicies(ctx);
    throw new UsageError(`Unknown "system" action "${action}": use df, prune, restart-policies or service.`);
  },
};
