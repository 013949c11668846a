import { inject, injectable, Stage, systemClock, TOKENS, UsageError, type Clock, type ContainerContext, type LifecycleBus, type Plugin } from '@mydocker/core';
import { auditEntry, auditLine, type AuditAction } from './audit-entry';
import { appendLine, unusableReason } from './audit-file';
import { auditLogFile, NAME, RUN_FLAGS } from './flags';

/**
 * `--audit-log FILE`: one JSON line per step of the container (create, start, die, destroy, and a run
 * that failed and was rolled back), with its labels. It uses only @mydocker/core's public face: a flag
 * declared on the bus, the lifecycle hooks, and the clock from the engine's container.
 */
@injectable()
export default class AuditLogPlugin implements Plugin {
  readonly name = NAME;

  /** Where a warning goes (one line on stderr, as the engine's own). */
  warn: (message: string) => void = (message) => void process.stderr.write(`${message}\n`);

  /** The engine's clock (a test registers a fixed one); made by hand, the system's. */
  constructor(@inject(TOKENS.Clock) private readonly clock: Clock = systemClock) {}

  apply(bus: LifecycleBus): void {
    bus.flags.declare(NAME, ...RUN_FLAGS);
    const { hooks } = bus;

    // Refused before anything is made, in one sentence (exit 125), like any bad flag.
    hooks.validate.tapPromise(NAME, async (ctx) => {
      const file = auditLogFile(ctx.spec);
      const reason = file === undefined ? undefined : unusableReason(file);
      if (reason) throw new UsageError(reason);
    });
    // After the state store wrote the record: the line names a container that exists.
    hooks.create.tapPromise({ name: NAME, stage: Stage.AFTER_RECORD }, async (ctx) => this.write(ctx, 'create'));
    hooks.started.tapPromise({ name: NAME, stage: Stage.AFTER_RECORD }, async (ctx) => this.write(ctx, 'start'));
    // A container made by `create` and removed without ever starting did not die.
    hooks.stopped.tapPromise(NAME, async (ctx) => {
      if (ctx.record.startedAt !== undefined) this.write(ctx, 'die');
    });
    // Before the state store deletes the record (Stage.RECORD), while it can still be read.
    hooks.remove.tapPromise(NAME, async (ctx) => this.write(ctx, 'destroy'));
    hooks.failed.tapPromise(NAME, async (ctx, error) => this.write(ctx, 'failed', error));
  }

  /**
   * Appends the line when the container has an audit log. A log that cannot be written after `validate`
   * accepted it (a full disk) is said in one warning and never fails the step: a `stop` or an `rm` must
   * still work, and the container's own state is right.
   */
  private write(ctx: ContainerContext, action: AuditAction, error?: Error): void {
    const file = auditLogFile(ctx.spec);
    if (file === undefined) return;
    try {
      appendLine(file, auditLine(auditEntry(ctx.record, action, this.clock.now(), error)));
    } catch (err) {
      this.warn(`mydocker: warning: the audit log ${file} was not written (${(err as Error).message}).`);
    }
  }
}

export { auditEntry, auditLine, type AuditAction, type AuditEntry } from './audit-entry';
export { auditLogFile, RUN_FLAGS } from './flags';
