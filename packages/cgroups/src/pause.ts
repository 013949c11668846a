import { describeError, isMydockerError, MydockerError, UsageError, type CommandContext, type ContainerContext, type ContainerRecord } from '@mydocker/core';
import { validExt } from './ext';
import { managerFromExt } from './factory';
import type { Freezer } from './freezer';

export const PLUGIN = 'cgroups';

/** The freezer of the container's cgroup, from the paths its record kept; undefined when there is none. */
export function freezerOf(record: ContainerRecord): Freezer | undefined {
  const ext = record.ext?.[PLUGIN];
  if (record.damaged || !validExt(ext)) return undefined;
  return managerFromExt(ext, record.id).freezer();
}

/**
 * Paused is what the kernel says, not a flag in the record: a running container whose freezer reads
 * frozen. So `ps` and `inspect` cannot disagree with the cgroup, and nothing has to be rewritten.
 */
export function isPaused(record: ContainerRecord): boolean {
  return record.status === 'running' && freezerOf(record)?.state() === 'frozen';
}

/** Docker's `State` of a paused container: still Running, also Paused, Status "paused". */
export function fillPausedState(record: ContainerRecord, view: Record<string, unknown>): void {
  const state = view.State as Record<string, unknown> | undefined;
  if (!state || state.Running !== true || !isPaused(record)) return;
  state.Status = 'paused';
  state.Paused = true;
}

/**
 * preStop, and a signal that ends the container (`kill`, `rm -f`): thaw a paused container so that its
 * processes can act on the signal, as Docker unpauses (under the v1 freezer even SIGKILL waits for a thaw).
 */
export async function thawForSignal(ctx: ContainerContext, signal: NodeJS.Signals | number = 'SIGTERM'): Promise<void> {
  if (!['SIGKILL', 'SIGTERM', 9, 15].includes(signal)) return;
  const freezer = freezerOf(ctx.record);
  if (freezer?.state() === 'frozen') await freezer.thaw();
}

/** execCreated: Docker refuses to exec into a paused container (the new process would freeze at once). */
export function refuseExecIfPaused(ctx: ContainerContext): void {
  if (isPaused(ctx.record)) throw new MydockerError(`Container ${ctx.record.name} is paused, unpause the container before exec`, 1);
}

type Verb = 'pause' | 'unpause';

/** Pauses or unpauses one container under its lock; Docker's sentences, exit code 1. */
async function toggle(verb: Verb, ref: string, ctx: CommandContext): Promise<ContainerRecord> {
  const store = ctx.bus.need('stateStore', `The "${verb}" command`);
  const runtime = ctx.bus.need('runtime', `The "${verb}" command`);
  const found = await store.get(ref);
  return store.withLock(found.id, async () => {
    const record = ctx.engine.view(await store.get(found.id));
    if (record.damaged)
      throw new MydockerError(`Container ${record.name} has a damaged record: remove it with \`mydocker rm -f ${record.id.slice(0, 12)}\``, 1);
    const running = record.status === 'running' && runtime.isRunning(record);
    const freezer = running ? freezerOf(record) : undefined;
    const frozen = freezer?.state() === 'frozen';
    if (verb === 'pause') {
      if (!running) throw new MydockerError(`Container ${record.name} is not running`, 1);
      if (!freezer || freezer.state() === undefined) {
        throw new MydockerError(`Container ${record.name} cannot be paused: its cgroup has no freezer (the host mounts none, or the container predates it)`, 1);
      }
      if (frozen) throw new MydockerError(`Container ${record.name} is already paused`, 1);
      await freezer.freeze();
    } else {
      if (!frozen) throw new MydockerError(`Container ${record.name} is not paused`, 1);
      await freezer!.thaw();
    }
    return record;
  });
}

/** The running containers `--all` means: every unpaused one for pause, every paused one for unpause. */
async function allFor(verb: Verb, ctx: CommandContext): Promise<string[]> {
  const runtime = ctx.bus.need('runtime', `The "${verb}" command`);
  const running = (await ctx.engine.list()).filter((r) => r.status === 'running' && !r.damaged && runtime.isRunning(r));
  return running.filter((r) => isPaused(r) === (verb === 'unpause')).map((r) => r.id);
}

/**
 * `pause`/`unpause CONTAINER...` (Podman's `--all`): each name printed as given once done, each failure
 * one line on stderr and the others still done; exit 1 if any failed, as Docker's CLI.
 */
export async function runToggle(verb: Verb, args: Record<string, any>, ctx: CommandContext): Promise<number> {
  const names: string[] = (args.containers ?? []).map(String);
  if (args.all && names.length > 0) throw new UsageError(`"${verb} --all" takes no container names: give either --all or names.`);
  if (!args.all && names.length === 0) throw new UsageError(`"${verb}" requires at least 1 argument: mydocker ${verb} CONTAINER [CONTAINER...], or --all.`);
  const targets = args.all ? await allFor(verb, ctx) : names;
  let code = 0;
  for (const name of targets) {
    try {
      await toggle(verb, name, ctx);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      if (!isMydockerError(err)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = 1;
    }
  }
  return code;
}
