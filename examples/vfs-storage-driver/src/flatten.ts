import { lstatSync, mkdirSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { copyNode, isWhiteout, setMeta, type LinkMap } from './copy';
import { OPAQUE_XATTR, readTreeXattrs, writeXattrs } from './xattrs';

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Copies one overlay-format layer over `target` as overlayfs would show it: entries replace what is
 * below them, directories merge unless opaque (then the lower contents go), whiteouts delete.
 * Other extended attributes (capabilities, ACLs) are copied; the overlay markers are not.
 */
export function applyLayer(layer: string, target: string): void {
  const xattrs = readTreeXattrs(layer);
  const links: LinkMap = new Map();
  const restore: Array<{ path: string; attrs: Map<string, string> }> = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(layer, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const src = join(layer, path);
      const dst = join(target, path);
      const st = lstatSync(src);
      if (isWhiteout(st)) {
        rmSync(dst, { recursive: true, force: true });
        continue;
      }
      const attrs = new Map([...(xattrs.get(path) ?? new Map<string, string>())].filter(([k]) => !k.startsWith('trusted.overlay.')));
      const existing = lstatOrUndefined(dst);
      if (st.isDirectory()) {
        const opaque = xattrs.get(path)?.get(OPAQUE_XATTR) !== undefined;
        if (existing && (!existing.isDirectory() || opaque)) rmSync(dst, { recursive: true, force: true });
        if (!existing || !existing.isDirectory() || opaque) mkdirSync(dst);
        walk(path);
        setMeta(dst, st);
      } else {
        if (existing) rmSync(dst, { recursive: true, force: true });
        copyNode(src, dst, st, links);
        if (!st.isFile() && !st.isDirectory()) continue; // xattrs on links and devices are not worth a risk
      }
      if (attrs.size > 0) restore.push({ path: dst, attrs });
    }
  };
  walk('');
  writeXattrs(restore);
}

/** A fresh directory holding the merged view of `lowers` (lowest first). */
export function flatten(lowers: string[], target: string): void {
  mkdirSync(target, { mode: 0o755 });
  for (const layer of lowers) applyLayer(layer, target);
}
