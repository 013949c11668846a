import type { ArgvBuilder, CommandArgs } from './command-args';
import type { EngineConfig } from './config';

/**
 * What a command's `run` receives. `bus` and `engine` are added by `command-context.ts` (module
 * augmentation), so that this file imports neither: the bus's `commands` hook names the registry, and
 * the engine imports the bus, so importing them here would close a circle bus → commands → engine → bus.
 */
export interface CommandContext {
  config: EngineConfig;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * A CLI command contributed by a plugin, in yargs' shape. `builder` receives a yargs instance; the
 * plugin need not depend on yargs itself. `run` returns the exit code (0 when it returns nothing).
 */
export interface CommandSpec {
  command: string;
  aliases?: string[];
  describe: string;
  builder?: ArgvBuilder;
  /**
   * Options end at the first positional; everything from there on is passed untouched in `args.rest`
   * (for `run IMAGE CMD...` and `exec CONTAINER CMD...`, where later flags belong to CMD).
   */
  rawArgs?: boolean;
  /** Hidden from help (internal commands such as the monitor's clean-up). */
  hidden?: boolean;
  run(args: CommandArgs, ctx: CommandContext): Promise<number | void>;
}

export interface RegisteredCommand extends CommandSpec {
  owner: string;
}

export class CommandRegistry {
  private readonly byName = new Map<string, RegisteredCommand>();

  add(owner: string, spec: CommandSpec): void {
    const name = spec.command.split(' ')[0];
    if (this.byName.has(name)) {
      throw new Error(`Command "${name}" is registered twice (${this.byName.get(name)!.owner} and ${owner}).`);
    }
    this.byName.set(name, { ...spec, owner });
  }

  get(name: string): RegisteredCommand | undefined {
    return this.byName.get(name) ?? [...this.byName.values()].find((c) => c.aliases?.includes(name));
  }

  list(): RegisteredCommand[] {
    return [...this.byName.values()];
  }
}
