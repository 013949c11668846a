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

/**
 * The named stages of a tap (`tap({ name, stage: Stage.X }, fn)`): lower runs first; taps of one stage
 * run in the order they were registered, which is discovery's order, by package name. A plugin uses a
 * name from here, never a bare number, so the order can be read where it is declared.
 */
export const Stage = {
  /** validate: the image is pulled when missing (images), before anything reads it. */
  FETCH: -100,
  /** validate/create: the state store checks and reserves the name before anything else is made. */
  RESERVE: -100,
  /** validate: the image's config is read into `ctx.image` (images), for the taps that follow. */
  IMAGE: -50,
  /** Every tap that names no stage. */
  NORMAL: 0,
  /**
   * validate: what the container runs is resolved from the image and the flags (the runtime), after the
   * NORMAL taps checked their flags.
   */
  RESOLVE: 10,
  /** The state store writes the record after the others annotated it, and deletes it last. */
  RECORD: 100,
  /** After the record is written (the events journal). */
  AFTER_RECORD: 200,
} as const;
