/**
 * `WWW-Authenticate` challenges (RFC 7235), as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
 * Several challenges may share one header, separated by commas, so a scheme is told from a parameter
 * by the `=` that follows a parameter's name.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const ITEM = /[\s,]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^\s,]*))?/y;

export function parseChallenges(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  ITEM.lastIndex = 0;
  let current: Challenge | undefined;
  for (let m = ITEM.exec(header); m; m = ITEM.exec(header)) {
    const [, name, value] = m;
    if (value === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
    } else if (current) {
      current.params[name.toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
    }
  }
  return out;
}
