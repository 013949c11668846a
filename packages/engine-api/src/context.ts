import type { CommandContext, CommandRegistry, Engine, EngineConfig, LifecycleBus } from '@mydocker/core';
import type { AttachBroker } from './attach-broker';
import type { ExecStore } from './exec-store';

/** What every handler works with: the same bus and engine the CLI uses, plus the service's own state. */
export interface ApiContext {
  bus: LifecycleBus;
  engine: Engine;
  config: EngineConfig;
  /** The command context the plugins' commands are called with (their output captured per call). */
  commandContext: Omit<CommandContext, 'stdout' | 'stderr'>;
  /** The commands the installed plugins contribute (logs, images, network, volume, cp, …). */
  registry: CommandRegistry;
  attach: AttachBroker;
  execs: ExecStore;
}
