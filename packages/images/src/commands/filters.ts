import { UsageError } from '@mydocker/core';

/** What a filter looks at in one image (pure data, so the rules are unit-tested). */
export interface FilterableImage {
  id: string;
  /** Normalized `repository:tag` names. */
  names: string[];
  created: string;
  labels: Record<string, string>;
}

export interface ImageFilters {
  reference: string[];
  dangling?: boolean;
  /** Image refs whose creation time bounds the list (resolved by the caller to times). */
  before?: string;
  since?: string;
  label: string[];
}

const KEYS = ['reference', 'dangling', 'before', 'since', 'label'];

/** `--filter KEY=VALUE` as Docker spells them; an unknown key or value is one sentence. */
export function parseImageFilters(specs: string[]): ImageFilters {
  const out: ImageFilters = { reference: [], label: [] };
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`Bad format of filter "${spec}": expected name=value.`);
    const key = spec.slice(0, eq).toLowerCase();
    const value = spec.slice(eq + 1);
    if (!KEYS.includes(key)) throw new UsageError(`Invalid filter '${key}': images can be filtered by ${KEYS.join(', ')}.`);
    if (key === 'reference') out.reference.push(value);
    else if (key === 'label') out.label.push(value);
    else if (key === 'dangling') {
      if (!['true', 'false', '1', '0'].includes(value.toLowerCase())) throw new UsageError(`Invalid filter 'dangling=${value}': use true or false.`);
      out.dangling = value.toLowerCase() === 'true' || value === '1';
    } else if (key === 'before') out.before = value;
    else out.since = value;
  }
  return out;
}

/**
 * Go's path.Match as Docker applies it to references: `*` matches within one path segment (no `/`),
 * `?` one character, `[...]` a class.
 */
export function globMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(text);
}

/** Docker matches `reference=` against `repository` and `repository:tag` of each name. */
export function matchesReference(pattern: string, names: string[]): boolean {
  return names.some((n) => {
    const colon = n.lastIndexOf(':');
    const repo = n.slice(0, colon);
    return globMatch(pattern, n) || globMatch(pattern, repo);
  });
}

/** `label=KEY` (present) or `label=KEY=VALUE` (equal). */
export function matchesLabel(spec: string, labels: Record<string, string>): boolean {
  const eq = spec.indexOf('=');
  if (eq === -1) return Object.prototype.hasOwnProperty.call(labels, spec);
  return labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** The images that pass every filter; `bounds` gives the creation times of `before`/`since`. */
export function applyImageFilters<T extends FilterableImage>(images: T[], f: ImageFilters, bounds: { before?: string; since?: string } = {}): T[] {
  return images.filter((img) => {
    if (f.reference.length && !f.reference.some((p) => matchesReference(p, img.names))) return false;
    if (f.dangling !== undefined && (img.names.length === 0) !== f.dangling) return false;
    if (f.label.length && !f.label.every((l) => matchesLabel(l, img.labels))) return false;
    if (bounds.before !== undefined && !(img.created < bounds.before)) return false;
    if (bounds.since !== undefined && !(img.created > bounds.since)) return false;
    return true;
  });
}
