/**
 * The loose types at the edge between core and the CLI's argument parser (yargs). Core does not depend
 * on yargs, and what a command's `run` receives is shaped at run time by the options its own builder
 * declared, so these two are deliberately untyped, here and nowhere else: a command names them instead
 * of writing `any` itself.
 */

/** The parsed options of one command: each key an option its builder declared (or `rest`, `_`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- its shape is decided by each command's builder at run time
export type CommandArgs = Record<string, any>;

/** A command's `builder`: receives the CLI's yargs instance, declares options on it and returns it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the yargs instance, which core does not depend on
export type ArgvBuilder = (yargs: any) => any;
