import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The built plugins' files (scripts/bundle-plugin.js): each `pluginBundle.separate` root is bundled into a
 * group file of its own, and every module, whichever file holds it and whichever is read first, is one
 * instance: the one a require of its tsc path returns. No tsc file of the package is compiled on the way
 * (that would be a second copy, and the file-by-file reads the groups are for).
 */
const PACKAGES = resolve(__dirname, '../../packages');
const EXTRA_FILES = new Set(['plugin.bundle.js', 'plugin.lazy.js']);

interface Bundled {
  name: string;
  dist: string;
  separate: string[];
}

const bundled: Bundled[] = readdirSync(PACKAGES)
  .map((name) => ({ name, pkg: JSON.parse(readFileSync(join(PACKAGES, name, 'package.json'), 'utf8')) as { pluginBundle?: { separate?: string[] } } }))
  .filter(({ pkg }) => (pkg.pluginBundle?.separate ?? []).length > 0)
  .map(({ name, pkg }) => ({ name, dist: join(PACKAGES, name, 'dist'), separate: (pkg.pluginBundle?.separate ?? []).map((f) => f.replace(/^dist\//, '')) }));

/** The group files of a built package: its plugin.*.js that tsc did not write (no .d.ts) and that are not the two bundles. */
function groupFiles(dist: string): string[] {
  return readdirSync(dist).filter((f) => /^plugin\..+\.js$/.test(f) && !EXTRA_FILES.has(f) && !existsSync(join(dist, f.replace(/\.js$/, '.d.ts'))));
}

/**
 * Run in a fresh Node: loads the entry bundle, then requires every module of every group file by its tsc
 * path, in the order given (a module of one group requires others by path as it loads), and compares each
 * with what the group file itself holds. Prints {mismatched, compiled} as JSON.
 */
const CHECK = `
const Module = require('node:module');
const { join } = require('node:path');
const [dist, files, reverse] = [process.argv[1], JSON.parse(process.argv[2]), process.argv[3] === 'reverse'];
const compiled = [];
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  if (filename.startsWith(dist + '/')) compiled.push(filename.slice(dist.length + 1));
  return compile.call(this, content, filename);
};
require(join(dist, 'plugin.bundle.js'));
const pairs = files.flatMap((file) => Object.keys(require(join(dist, file))).map((rel) => [file, rel]));
if (reverse) pairs.reverse();
const byPath = new Map(pairs.map(([, rel]) => [rel, require(join(dist, rel))]));
const mismatched = pairs.filter(([file, rel]) => require(join(dist, file))[rel]() !== byPath.get(rel)).map(([file, rel]) => file + ': ' + rel);
console.log(JSON.stringify({ mismatched, compiled, modules: pairs.map(([, rel]) => rel) }));
`;

function check(dist: string, files: string[], order: 'forward' | 'reverse') {
  const r = spawnSync(process.execPath, ['-e', CHECK, dist, JSON.stringify(files), order], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`check of ${dist} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { mismatched: string[]; compiled: string[]; modules: string[] };
}

describe('separate plugin modules, bundled per root', () => {
  it('covers the plugins with separate modules', () => {
    expect(bundled.map((b) => b.name)).toEqual(expect.arrayContaining(['network', 'images', 'logs', 'aufs-storage', 'cgroups']));
  });

  describe.each(bundled)('$name', ({ dist, separate }) => {
    it('bundles each separate root into a group file, and each module into one file only', () => {
      const files = groupFiles(dist);
      const held = files.flatMap((file) => Object.keys(require(join(dist, file)) as Record<string, unknown>).map((rel) => ({ file, rel })));
      for (const root of separate) expect(held.filter((h) => h.rel === root)).toHaveLength(1);
      // esbuild wraps each bundled module under its path: a module wrapped in two files would be two instances.
      const wrapped = [...EXTRA_FILES, ...files]
        .filter((file) => existsSync(join(dist, file)))
        .flatMap((file) => [...readFileSync(join(dist, file), 'utf8').matchAll(/"dist\/([^"]+\.js)"\(/g)].map((m) => ({ file, rel: m[1] })));
      expect(wrapped.filter((w, i) => wrapped.findIndex((o) => o.rel === w.rel) !== i)).toEqual([]);
      for (const h of held) expect(wrapped.filter((w) => w.rel === h.rel)).toEqual([h]);
      // The network's bridge driver: its group file is what `run -d` and `stop` of a bridge container read.
      if (separate.includes('drivers/bridge.js')) expect(files).toContain('plugin.drivers-bridge.js');
    });

    it.each(['forward', 'reverse'] as const)('gives one instance of each module, through its tsc path and its group file (%s order)', (order) => {
      const files = groupFiles(dist);
      const { mismatched, compiled, modules } = check(dist, files, order);
      expect(modules.length).toBeGreaterThanOrEqual(separate.length);
      expect(mismatched).toEqual([]);
      // Only the bundled files are compiled, each once: a tsc file compiled here is a second instance.
      expect(compiled.sort()).toEqual([...new Set(compiled)].filter((f) => EXTRA_FILES.has(f) || files.includes(f)).sort());
    });
  });
});
