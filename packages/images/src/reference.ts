import { UsageError } from '@mydocker/core';

/**
 * Image references per distribution's grammar (github.com/distribution/reference), normalized as
 * Docker does: `busybox` is `docker.io/library/busybox:latest`.
 */
export interface Reference {
  /** Registry host as written (`docker.io` for Docker Hub), with its port. */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const MAX_NAME = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

/** Why a reference is invalid, as the end of a sentence; undefined when it is valid. */
function invalid(ref: string): string | undefined {
  if (ref === '') return 'it is empty';
  if (!REFERENCE.test(ref)) {
    // distribution's distinct message for the common mistake of capitals in the repository.
    if (REFERENCE.test(ref.toLowerCase())) return 'the repository name must be lowercase';
    return 'it is not of the form [HOST[:PORT]/]NAME[:TAG][@DIGEST]';
  }
  return undefined;
}

/** Splits `domain/remainder` as Docker does: the first component is a host only if it looks like one. */
function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  const first = i === -1 ? '' : name.slice(0, i);
  let domain: string;
  let path: string;
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DOCKER_HUB;
    path = name;
  } else {
    domain = first;
    path = name.slice(i + 1);
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/** A registry as `login`/`logout` take it: `host[:port]`, or a URL of one; Docker Hub by any of its names. */
export function parseRegistryHost(input: string): string {
  const host = input
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  if (!new RegExp(`^${DOMAIN}$`).test(host)) throw new UsageError(`Invalid registry "${printable(input)}": give HOST or HOST:PORT.`);
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host.toLowerCase()) ? DOCKER_HUB : host;
}

/** Parses a user's reference (`busybox`, `host:5000/ns/app:1.0`, `app@sha256:…`); one sentence when invalid. */
export function parseReference(input: string): Reference {
  const ref = input.trim();
  const why = invalid(ref);
  if (why) throw new UsageError(`Invalid reference format "${printable(input)}": ${why}.`);
  const m = REFERENCE.exec(ref)!;
  const [, name, tag, digest] = m;
  if (name.length > MAX_NAME)
    throw new UsageError(`Invalid reference format "${printable(input)}": the repository name is longer than ${MAX_NAME} characters.`);
  const { domain, path } = splitDomain(name);
  if (ANCHORED_IDENTIFIER.test(ref)) {
    throw new UsageError(`Invalid reference format "${printable(input)}": a repository name cannot be 64 hexadecimal characters (that is an image id).`);
  }
  if (/[A-Z]/.test(path)) throw new UsageError(`Invalid reference format "${printable(input)}": the repository name must be lowercase.`);
  if (digest && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new UsageError(
      `Unsupported digest "${printable(digest)}" in "${printable(input)}": only sha256 with 64 lowercase hexadecimal characters is supported.`,
    );
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `busybox:latest` when no tag and no digest was given, as Docker pulls. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** The repository as Docker shows it: Docker Hub's `docker.io/` and `library/` dropped. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DOCKER_HUB) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice(8) : ref.path;
}

/** `docker.io/library/busybox:latest`: the full form Docker prints at the end of a pull. */
export function fullString(ref: Reference): string {
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The familiar `name:tag` the image store keys names by (none for a pull by digest alone). */
export function storeName(ref: Reference): string | undefined {
  return ref.tag !== undefined ? `${familiarName(ref)}:${ref.tag}` : undefined;
}

/** The host to contact: Docker Hub's API lives at registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? 'registry-1.docker.io' : domain;
}

export function printable(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
