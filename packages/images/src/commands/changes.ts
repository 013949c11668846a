import { UsageError } from '@mydocker/core';
import type { OciImageConfig } from '../store/oci-config';

type Config = NonNullable<OciImageConfig['config']>;

/** The Dockerfile instructions `commit -c` and `import -c` accept, as Docker lists them. */
export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** A Dockerfile argument list: JSON form `["a","b"]`, or the shell form, which Docker runs as `/bin/sh -c TEXT`. */
function commandForm(text: string, shell: boolean): string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      // not JSON: the shell form, as Docker treats it
    }
  }
  return shell ? ['/bin/sh', '-c', t] : t.split(/\s+/).filter(Boolean);
}

/** Dockerfile's word splitting for ENV/LABEL pairs: `K=V K2="v w"`, quotes and backslashes honoured. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (quote) throw new UsageError(`Unmatched quote in "${text}".`);
  if (cur || any) out.push(cur);
  return out;
}

/** `K=V ...` pairs, or the legacy `K V` (one pair, the value is the rest). */
function pairs(args: string, what: string): Array<[string, string]> {
  const words = splitWords(args);
  if (words.length === 0) throw new UsageError(`${what} needs at least one argument.`);
  if (!words[0].includes('=')) {
    const m = /^\s*(\S+)\s+(.*)$/.exec(args);
    if (!m) throw new UsageError(`${what} needs a value: use ${what} KEY=VALUE.`);
    return [[m[1], m[2].trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} "${w}" has no KEY=VALUE form.`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/**
 * Applies Docker's `--change` instructions to an image config (a copy is returned). Each is one
 * Dockerfile line: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
export function applyChanges(config: Config, changes: string[]): Config {
  const c: Config = JSON.parse(JSON.stringify(config ?? {})) as Config;
  for (const change of changes) {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(change);
    if (!m || !m[1]) throw new UsageError('An empty --change was given: use a Dockerfile instruction such as CMD ["sh"].');
    const instruction = m[1].toUpperCase();
    const args = m[2].trim();
    if (!CHANGE_INSTRUCTIONS.includes(instruction)) {
      throw new UsageError(`${m[1]} is not a valid change command: use one of ${CHANGE_INSTRUCTIONS.join(', ')}.`);
    }
    switch (instruction) {
      case 'CMD':
        c.Cmd = commandForm(args, true);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = args === '' ? null : commandForm(args, true);
        break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of pairs(args, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...((c.Labels as Record<string, string> | undefined) ?? {}) };
        for (const [k, v] of pairs(args, 'LABEL')) labels[k] = v;
        c.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...((c.ExposedPorts as Record<string, object> | undefined) ?? {}) };
        for (const p of args.split(/\s+/).filter(Boolean)) {
          const pm = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
          if (!pm || Number(pm[1]) > 65535 || (pm[2] && (Number(pm[2]) > 65535 || Number(pm[2]) < Number(pm[1])))) {
            throw new UsageError(`Invalid port "${p}" in EXPOSE: use PORT[/PROTO] or START-END[/PROTO].`);
          }
          const proto = (pm[3] ?? 'tcp').toLowerCase();
          for (let n = Number(pm[1]); n <= Number(pm[2] ?? pm[1]); n++) ports[`${n}/${proto}`] = {};
        }
        if (Object.keys(ports).length === 0) throw new UsageError('EXPOSE needs at least one port.');
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...((c.Volumes as Record<string, object> | undefined) ?? {}) };
        const list = commandForm(args, false);
        if (list.length === 0) throw new UsageError('VOLUME needs at least one path.');
        for (const v of list) {
          if (!v.startsWith('/')) throw new UsageError(`The volume "${v}" is not an absolute path.`);
          vols[v] = {};
        }
        c.Volumes = vols;
        break;
      }
      case 'STOPSIGNAL':
        if (!/^(SIG)?[A-Z0-9+-]+$/i.test(args) || args === '')
          throw new UsageError(`Invalid STOPSIGNAL "${args}": use a signal name such as SIGTERM or a number.`);
        c.StopSignal = args;
        break;
      case 'USER':
        if (args === '') throw new UsageError('USER needs a user name or id.');
        c.User = args;
        break;
      case 'WORKDIR':
        if (args === '') throw new UsageError('WORKDIR needs a path.');
        // Docker resolves a relative WORKDIR against the current one.
        c.WorkingDir = args.startsWith('/') ? args : `${(c.WorkingDir || '/').replace(/\/$/, '')}/${args}`;
        break;
      case 'ONBUILD':
        c.OnBuild = [...((c.OnBuild as string[] | null | undefined) ?? []), args];
        break;
    }
  }
  return c;
}
