import { UsageError } from './errors';
import type { RunSpec } from './model';

/** The commands that take container flags: `run` and `create` share one table. */
export type FlagCommand = 'run' | 'create';

/** A raw flag value as the user typed it: a string, a boolean switch, or every repetition of a list flag. */
export type FlagValue = string | boolean | string[];

/** One plugin's flag values, by flag name (`memory`, `cpu-shares`); a flag not given is absent. */
export type FlagValues = Record<string, FlagValue | undefined>;

/**
 * A `run`/`create` flag a plugin brings. The CLI builds its parser and its help from these, so neither
 * core nor the CLI knows any plugin flag; the plugin reads what was given with `flagsOf(spec, owner)`.
 */
export interface FlagDeclaration {
  /** The long name, without dashes: `memory` is `--memory`. */
  name: string;
  /** Other spellings without dashes: one letter is a short flag (`m` is `-m`), longer ones are `--net`. */
  alias?: string[];
  /** Single-dash long spellings from the seed (`-cpushare`), rewritten to `--name` before parsing. */
  seed?: string[];
  /** `array` flags repeat (`-p 80:80 -p 443:443`) and keep every value, in order. */
  type: 'boolean' | 'string' | 'array';
  /** One line for `run --help`. */
  describe: string;
  /** The commands that take it; both when absent (Docker's `create` takes every `run` flag but -d). */
  commands?: FlagCommand[];
  /** Refuse an empty value (`--memory ""`) with one sentence. */
  nonEmpty?: boolean;
  /**
   * Checks the raw value at parse time, before anything is made: return a sentence to refuse it (exit
   * 125). Checks that need the image or the host belong in the `validate` hook instead.
   */
  validate?: (value: FlagValue) => string | undefined;
}

export interface DeclaredFlag extends FlagDeclaration {
  /** The plugin that declared it (its `name`): its values are kept under this key in `RunSpec.flags`. */
  owner: string;
}

/** The values `owner`'s flags took in this request (an empty object when none was given). */
export function flagsOf(spec: Pick<RunSpec, 'flags'>, owner: string): FlagValues {
  return spec.flags?.[owner] ?? {};
}

/** A string flag's value, or undefined when not given. */
export function flagString(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[v.length - 1] : String(v);
}

/** An array flag's values (empty when not given). */
export function flagList(values: FlagValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** A boolean flag: undefined when not given (so a default can tell "not given" from `--flag=false`). */
export function flagBoolean(values: FlagValues, name: string): boolean | undefined {
  const v = values[name];
  return v === undefined ? undefined : v === true || v === 'true';
}

const dashed = (spelling: string) => (spelling.length === 1 ? `-${spelling}` : `--${spelling}`);

/** How a flag is shown in messages: every spelling, `-m/--memory`. */
export function flagSpelling(flag: Pick<FlagDeclaration, 'name' | 'alias'>): string {
  return [...(flag.alias ?? []).filter((a) => a.length === 1).map(dashed), `--${flag.name}`].join('/');
}

/**
 * Every `run`/`create` flag the installed plugins (and the CLI) declared. A spelling is owned once: a
 * second declaration of it is a programming error of the plugin that came second, said at start-up.
 */
export class FlagRegistry {
  private readonly flags: DeclaredFlag[] = [];
  private readonly bySpelling = new Map<string, DeclaredFlag>();

  declare(owner: string, ...flags: FlagDeclaration[]): void {
    for (const flag of flags) {
      const declared: DeclaredFlag = { ...flag, owner };
      const spellings = [flag.name, ...(flag.alias ?? []), ...(flag.seed ?? [])];
      for (const s of spellings) {
        const other = this.bySpelling.get(s);
        if (other) throw new Error(`The flag "${s}" is declared twice (by ${other.owner} and by ${owner}).`);
      }
      for (const s of spellings) this.bySpelling.set(s, declared);
      this.flags.push(declared);
    }
  }

  /** The flags of one command (both when none is named), in declaration order. */
  list(command?: FlagCommand): DeclaredFlag[] {
    return this.flags.filter((f) => !command || !f.commands || f.commands.includes(command));
  }

  /** The flag a spelling names: `name`, `m`, `net`, or a seed spelling with its dash (`-cpushare`). */
  find(spelling: string): DeclaredFlag | undefined {
    return this.bySpelling.get(spelling);
  }

  /**
   * The parsed values of every plugin flag, grouped by owner (only flags that were given), each checked
   * by its declaration. `skipOwner` is the caller's own (the CLI maps its flags itself).
   */
  collect(args: Record<string, unknown>, command: FlagCommand, skipOwner?: string): Record<string, FlagValues> {
    const out: Record<string, FlagValues> = {};
    for (const flag of this.list(command)) {
      if (flag.owner === skipOwner) continue;
      const raw = args[flag.name];
      if (raw === undefined) continue;
      const value: FlagValue =
        flag.type === 'array' ? (Array.isArray(raw) ? raw.map(String) : [String(raw)]) : flag.type === 'boolean' ? Boolean(raw) : String(raw);
      if (flag.type === 'array' && (value as string[]).length === 0) continue;
      if (flag.nonEmpty && (value === '' || (Array.isArray(value) && value.includes('')))) {
        throw new UsageError(`The --${flag.name} flag needs a non-empty value.`);
      }
      const refusal = flag.validate?.(value);
      if (refusal) throw new UsageError(refusal);
      (out[flag.owner] ??= {})[flag.name] = value;
    }
    return out;
  }
}
