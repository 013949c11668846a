import type { LifecycleBus } from './bus';
import type { Engine } from './engine';

/** The bus and the engine in a command's context (declared here so `commands.ts` imports neither). */
declare module './commands' {
  interface CommandContext {
    bus: LifecycleBus;
    engine: Engine;
  }
}

export {};
