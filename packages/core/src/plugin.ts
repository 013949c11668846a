import type { LifecycleBus } from './bus';

/**
 * A plugin taps the hooks it cares about, with its own name and, where order matters, a stage
 * (webpack's plugin style). `apply` must be cheap: it runs on every command, so heavy modules are
 * required inside the taps, not at the top of the plugin's file.
 */
export interface Plugin {
  readonly name: string;
  apply(bus: LifecycleBus): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tsyringe constructs it, injecting arguments of any type (its own constructor<T>)
export type PluginClass = new (...args: any[]) => Plugin;

/** Stages used by the built-in plugins; third parties may use any number. */
export const Stage = {
  /** The state store reserves the name before anything else is made. */
  RESERVE: -100,
  NORMAL: 0,
  /** The state store writes the record after the others annotated it, and deletes it last. */
  RECORD: 100,
} as const;
