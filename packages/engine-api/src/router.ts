import type { ApiCall } from './call';
import type { ApiContext } from './context';

export type Handler = (call: ApiCall, api: ApiContext) => Promise<void>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** Routes are `METHOD /path/{name}` with `{…}` matching one segment (a name or an id, URL-decoded). */
export function route(spec: string, handler: Handler): Route {
  const [method, path] = spec.split(' ');
  // Image names hold slashes (`localhost:5000/a/b`): `{name*}` takes the rest up to a fixed suffix.
  const source = path.replace(/\{[a-z]+\*\}/gi, '(.+)').replace(/\{[a-z]+\}/gi, '([^/]+)');
  return { method, pattern: new RegExp(`^${source}/?$`), handler };
}

export function match(routes: Route[], method: string, path: string): { route: Route; params: string[] } | 'method' | undefined {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method === method || (r.method === 'GET' && method === 'HEAD' && !routes.some((o) => o.method === 'HEAD' && o.pattern.test(path)))) {
      return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    }
  }
  return pathMatched ? 'method' : undefined;
}
