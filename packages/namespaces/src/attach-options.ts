import { ConflictError, stdinOnce, UsageError, type RunSpec } from '@mydocker/core';

export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

const STREAMS = ['stdin', 'stdout', 'stderr'] as const;

/**
 * Docker's rules for `run -a`: names are case-insensitive; without -a a foreground run connects stdout and
 * stderr; -i always connects stdin; -a cannot go with -d.
 */
export function attachStreams(spec: Pick<RunSpec, 'attach' | 'interactive' | 'detach'>): AttachStreams {
  const named = (spec.attach ?? []).map((s) => {
    const lower = s.toLowerCase();
    if (!(STREAMS as readonly string[]).includes(lower)) {
      throw new UsageError(`invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    }
    return lower;
  });
  if (named.length > 0 && spec.detach) throw new ConflictError('Conflicting options: -a and -d');
  const all = spec.attach === undefined || named.length === 0;
  return {
    stdin: spec.interactive || named.includes('stdin'),
    stdout: all || named.includes('stdout'),
    stderr: all || named.includes('stderr'),
  };
}

/**
 * StdinOnce as the container was made, not as this start sees it: `start -ai` of a `run -di` container
 * runs it in the foreground, yet its stdin outlives the CLI's input. A container without -i (`run -a
 * stdin`, or `start -ai` of one made without it) has no stdin of its own to keep: the input it is given
 * ends with the CLI's.
 */
export function containerStdinOnce(spec: Pick<RunSpec, 'interactive' | 'detach' | 'stdinOnce'>): boolean {
  return !spec.interactive || stdinOnce(spec);
}

const NAMED: Record<string, number> = { 'ctrl-@': 0, 'ctrl-[': 27, 'ctrl-\\': 28, 'ctrl-]': 29, 'ctrl-^': 30, 'ctrl-_': 31 };
for (let i = 0; i < 26; i++) NAMED[`ctrl-${String.fromCharCode(97 + i)}`] = i + 1;

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Docker's detach-key syntax (moby/term ToBytes): comma-separated single characters and ctrl-<key> names. */
export function parseDetachKeys(keys: string | undefined): Buffer {
  const text = keys ?? DEFAULT_DETACH_KEYS;
  const bytes: number[] = [];
  for (const key of text.split(',')) {
    if (key.length === 1) bytes.push(key.charCodeAt(0));
    else if (NAMED[key.toLowerCase()] !== undefined) bytes.push(NAMED[key.toLowerCase()]);
    else throw new UsageError(`Invalid detach keys (${text}) provided: use a comma-separated list of characters and ctrl-<key> names, such as ctrl-p,ctrl-q.`);
  }
  if (bytes.length === 0 || bytes.some((b) => b > 0x7f))
    throw new UsageError(`Invalid detach keys (${text}) provided: use a comma-separated list of characters and ctrl-<key> names, such as ctrl-p,ctrl-q.`);
  return Buffer.from(bytes);
}

/**
 * Finds the detach sequence in what the user types. Bytes that may start the sequence are held back until
 * it is clear they do not (as Docker's escape proxy does); `feed` returns what may go to the container
 * now and whether the whole sequence was typed.
 */
export class DetachKeyScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // The held bytes were not the sequence after all: they go through, then this byte is looked at anew.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
