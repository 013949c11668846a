import { UsageError } from './errors';
import { randomHex } from './random';

/** Docker's rule for names; it also keeps every name a single safe path component. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const MAX_NAME_LENGTH = 128;

export function generateId(): string {
  return randomHex(32);
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

export function assertValidName(name: string, kind = 'container'): void {
  if (!isValidName(name)) {
    throw new UsageError(`Invalid ${kind} name "${truncate(name)}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most ${MAX_NAME_LENGTH} characters.`);
  }
}

/** A reference given by a user (name, id or id prefix) must also be a safe path component. */
export function assertValidReference(ref: string, kind = 'container'): void {
  if (!isValidName(ref)) {
    throw new UsageError(`Invalid ${kind} reference "${truncate(ref)}": use a name or an id.`);
  }
}

export function truncate(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * Docker-style generated names, for containers started without --name. The id's first hex digits make
 * them unique in practice (a bare adjective_noun space collides within a few hundred containers).
 */
const ADJECTIVES = [
  'brave',
  'calm',
  'eager',
  'fervent',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'nifty',
  'quirky',
  'sharp',
  'tender',
  'vivid',
  'witty',
  'zen',
];
const NOUNS = [
  'turing',
  'hopper',
  'lovelace',
  'ritchie',
  'thompson',
  'torvalds',
  'knuth',
  'dijkstra',
  'liskov',
  'hamilton',
  'kay',
  'pike',
  'wozniak',
  'noether',
  'curie',
  'shannon',
];
export function generateName(id: string = generateId()): string {
  const b = Buffer.from(randomHex(2), 'hex');
  return `${ADJECTIVES[b[0] % ADJECTIVES.length]}_${NOUNS[b[1] % NOUNS.length]}_${id.slice(0, 6)}`;
}
