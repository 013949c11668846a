import { DEFAULT_PATH, UsageError, type ImageConfig, type RunSpec } from '@mydocker/core';

/** Docker's rule: an --entrypoint replaces the image's and also drops the image's CMD. */
export function resolveCommand(spec: Pick<RunSpec, 'command' | 'entrypoint'>, image?: ImageConfig): string[] {
  const entrypoint = spec.entrypoint !== undefined ? (spec.entrypoint === '' ? [] : [spec.entrypoint]) : (image?.entrypoint ?? []);
  const cmd = spec.command.length > 0 ? spec.command : spec.entrypoint !== undefined ? [] : (image?.cmd ?? []);
  return [...entrypoint, ...cmd];
}

/** Image env then the user's; a later KEY wins but keeps its first position. PATH is always set. */
export function mergeEnv(...lists: string[][]): string[] {
  const values = new Map<string, string>();
  for (const list of lists) {
    for (const entry of list) {
      const eq = entry.indexOf('=');
      const key = eq === -1 ? entry : entry.slice(0, eq);
      values.set(key, entry);
    }
  }
  if (!values.has('PATH')) return [`PATH=${DEFAULT_PATH}`, ...values.values()];
  return [...values.values()];
}

export function resolveWorkdir(spec: Pick<RunSpec, 'workdir'>, image?: ImageConfig): string {
  const dir = spec.workdir ?? (image?.workdir || '/');
  if (!dir.startsWith('/')) throw new UsageError(`The working directory "${dir}" is invalid: it needs to be an absolute path.`);
  return dir;
}

/** runc's limit for numeric ids (libcontainer/user): the largest positive 32-bit signed number. */
const MAX_ID = 2n ** 31n - 1n;

export function resolveUser(spec: Pick<RunSpec, 'user'>, image?: ImageConfig): string | undefined {
  const user = spec.user ?? image?.user;
  if (user === undefined || user === '') return undefined;
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(user)) {
    throw new UsageError(`Invalid user "${user}": use NAME, UID, NAME:GROUP or UID:GID.`);
  }
  // A number past the kernel's uid_t would wrap around in the helper (99999999999 -> 1215752191).
  if (user.split(':').some((part) => /^[0-9]+$/.test(part) && !(BigInt(part) <= MAX_ID))) {
    throw new UsageError(`Invalid user "${user}": uids and gids must be in range 0-${MAX_ID}.`);
  }
  return user;
}

export function checkHostname(hostname: string): void {
  if (hostname.length === 0 || hostname.length > 64 || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(hostname)) {
    throw new UsageError(`Invalid hostname "${hostname}": use up to 64 letters, digits, dots and dashes.`);
  }
}

/** Environment entries every container gets unless it set them: Docker's HOSTNAME, and TERM with a tty. */
export function launchEnv(env: string[], hostname: string, tty: boolean): string[] {
  const has = (key: string) => env.some((e) => e.startsWith(`${key}=`));
  const out = [...env];
  if (!has('HOSTNAME')) out.push(`HOSTNAME=${hostname}`);
  if (tty && !has('TERM')) out.push('TERM=xterm');
  return out;
}
