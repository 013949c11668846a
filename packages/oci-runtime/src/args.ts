import { OciError } from './errors';

/** A flag: its names (with or without dashes, as urfave/cli accepts -name and --name) and whether it takes a value. */
export interface FlagSpec {
  names: string[];
  value: boolean;
  multiple?: boolean;
}

export interface Parsed {
  flags: Record<string, string | boolean | string[]>;
  rest: string[];
}

/**
 * runc's command line: flags before the positional arguments (`--x v`, `--x=v`, `-x v`); after the first
 * positional everything is positional (exec's command and its own flags).
 */
export function parseArgs(argv: string[], specs: FlagSpec[], stopAtPositional = true): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const flags: Parsed['flags'] = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-' || (stopAtPositional && rest.length > 0)) {
      rest.push(a);
      if (stopAtPositional) {
        rest.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new OciError(`The flag ${a} is not known (see mydocker-oci --help).`);
    const key = spec.names[0];
    let value: string | boolean = true;
    if (spec.value) {
      if (eq !== -1) value = body.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new OciError(`The flag ${a} needs a value.`);
    } else if (eq !== -1) {
      value = !/^(false|0)$/i.test(body.slice(eq + 1));
    }
    if (spec.multiple) flags[key] = [...((flags[key] as string[] | undefined) ?? []), String(value)];
    else flags[key] = value;
  }
  return { flags, rest };
}
