import { generateId, type StorageDriver } from '@mydocker/core';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer, expectedView, standardLayers, type LayerEntry } from './fixtures';
import { isOpaque, isWhiteout } from './overlay-format';
import { alignMtimes, asObject, describeView, snapshotTree } from './snapshot';

export interface ConformanceOptions {
  /** Skip (with a message) unless running as root; union drivers need it. Default true. */
  requiresRoot?: boolean;
  /** Where to make the temporary home and layers; default the OS temp dir. */
  tmpDir?: string;
  /** Per-test timeout in ms; default 30000. */
  timeout?: number;
  /** Replace the standard layers (each a list of entries, lowest first; 1 to 3 of them are used). */
  layers?: LayerEntry[][];
}

/** Every path under `dir`, relative. */
function listAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      out.push(path);
      if (lstatSync(join(dir, path)).isDirectory()) walk(path);
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

/**
 * Declares jest tests that check a storage driver against core's StorageDriver contract.
 * `makeDriver(home)` gets a fresh directory the driver owns alone.
 */
export function describeStorageDriver(name: string, makeDriver: (home: string) => StorageDriver, options: ConformanceOptions = {}): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const requiresRoot = options.requiresRoot ?? true;
  const timeout = options.timeout ?? 30_000;
  if (requiresRoot && !isRoot) {
    describe(`storage driver "${name}" conformance`, () => {
      it.skip('needs root (ownership, whiteout devices, trusted.* xattrs, mounts): run the suite as root', () => undefined);
    });
    return;
  }

  describe(`storage driver "${name}" conformance`, () => {
    const layerSpecs = options.layers ?? standardLayers();
    let base: string;
    let home: string;
    let lowers: string[];
    let driver: StorageDriver;
    const made = new Set<string>();

    const newContainer = async (lowerDirs: string[]): Promise<string> => {
      const id = generateId();
      made.add(id);
      await driver.create(id, lowerDirs);
      return id;
    };

    beforeAll(() => {
      base = mkdtempSync(join(options.tmpDir ?? tmpdir(), `conformance-${name}-`));
      home = join(base, 'home');
      mkdirSync(home);
      lowers = layerSpecs.map((entries, i) => buildLayer(join(base, 'layers', `L${i + 1}`), entries));
      driver = makeDriver(home);
    });

    afterAll(async () => {
      for (const id of made) await driver.remove(id).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    });

    const counts = [1, 2, 3].filter((n) => n <= layerSpecs.length);
    it.each(counts)(
      'mounts the merged view of %i lower layer(s): upper layers win, whiteouts hide, opaque dirs hide lower contents',
      async (n) => {
        const id = await newContainer(lowers.slice(0, n));
        const root = await driver.mount(id);
        const expected = describeView(expectedView(layerSpecs.slice(0, n)));
        expect(asObject(alignMtimes(snapshotTree(root), expected))).toEqual(asObject(expected));
        expect(await driver.mount(id)).toBe(root);
        await driver.remove(id);
      },
      timeout,
    );

    if (!options.layers) {
      it(
        'shows the standard layers as overlay would (independent of the model)',
        async () => {
          const id = await newContainer(lowers);
          const root = await driver.mount(id);
          expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe('layer2\n');
          expect(statSync(join(root, 'etc/hostname')).mode & 0o7777).toBe(0o640);
          expect(readFileSync(join(root, 'bin/tool'), 'utf8')).toContain('v3');
          expect(readlinkSync(join(root, 'bin/sh'))).toBe('tool');
          expect(statSync(join(root, 'bin/suid')).mode & 0o7777).toBe(0o4755);
          expect(statSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
          expect(statSync(join(root, 'home/user/notes'))).toMatchObject({ uid: 1000, gid: 1000 });
          expect(readFileSync(join(root, 'var/lib/gone'), 'utf8')).toBe('back again');
          expect(existsSync(join(root, 'bin/tool2'))).toBe(false);
          expect(readdirSync(join(root, 'opt/app')).sort()).toEqual(['c']);
          expect(readdirSync(join(root, 'var/cache'))).toEqual(['new']);
          expect(lstatSync(join(root, 'file-then-dir')).isDirectory()).toBe(true);
          expect(readFileSync(join(root, 'dir-then-file'), 'utf8')).toBe('now a file');
          expect(statSync(join(root, 'bin/tool')).mtimeMs).not.toBe(978307200000); // L3 replaced it
          await driver.remove(id);
        },
        timeout,
      );
    }

    it(
      'create is idempotent and keeps what was written',
      async () => {
        const id = await newContainer(lowers);
        await driver.create(id, lowers);
        const root = await driver.mount(id);
        writeFileSync(join(root, 'written'), 'kept');
        await driver.create(id, lowers);
        expect(readFileSync(join(await driver.mount(id), 'written'), 'utf8')).toBe('kept');
        await driver.remove(id);
      },
      timeout,
    );

    it(
      'lands writes in the container and never changes the lower layers',
      async () => {
        const before = lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })));
        const id = await newContainer(lowers);
        const other = await newContainer(lowers);
        const root = await driver.mount(id);
        writeFileSync(join(root, 'new-file'), 'hello');
        appendFileSync(join(root, 'etc/passwd'), 'user:x:1000:1000::/home/user:/bin/sh\n');
        chmodSync(join(root, 'bin/suid'), 0o755);
        unlinkSync(join(root, 'var/lib/kept'));
        rmSync(join(root, 'file-then-dir'), { recursive: true });
        mkdirSync(join(root, 'opt/app/new-dir'));
        expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toContain('user:x:1000');
        expect(lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })))).toEqual(before);
        const otherRoot = await driver.mount(other);
        expect(otherRoot).not.toBe(root);
        expect(existsSync(join(otherRoot, 'new-file'))).toBe(false);
        expect(readFileSync(join(otherRoot, 'var/lib/kept'), 'utf8')).toBe('kept');
        await driver.remove(id);
        await driver.remove(other);
        expect(lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })))).toEqual(before);
      },
      timeout,
    );

    it(
      'unmount and remove are idempotent, and remove leaves nothing under home',
      async () => {
        const id = await newContainer(lowers);
        const root = await driver.mount(id);
        writeFileSync(join(root, 'survives-unmount'), 'yes');
        await driver.unmount(id);
        await driver.unmount(id);
        expect(await driver.isMounted(id)).toBe(false);
        expect(readFileSync(join(await driver.mount(id), 'survives-unmount'), 'utf8')).toBe('yes');
        await driver.remove(id);
        await driver.remove(id);
        await driver.unmount(id);
        await driver.remove(generateId());
        await driver.unmount(generateId());
        expect(await driver.isMounted(id)).toBe(false);
        expect(await driver.list()).not.toContain(id);
        const left = listAll(home);
        expect(left.filter((p) => p.includes(id))).toEqual([]);
        expect(left.filter((p) => !lstatSync(join(home, p)).isDirectory())).toEqual([]);
      },
      timeout,
    );

    it(
      'list() and isMounted() are truthful',
      async () => {
        const unknown = generateId();
        expect(await driver.isMounted(unknown)).toBe(false);
        expect(await driver.list()).not.toContain(unknown);
        const id = await newContainer(lowers.slice(0, 1));
        expect(await driver.list()).toContain(id);
        expect(await driver.isMounted(id)).toBe(false);
        await driver.mount(id);
        expect(await driver.isMounted(id)).toBe(true);
        await driver.unmount(id);
        expect(await driver.isMounted(id)).toBe(false);
        expect(await driver.list()).toContain(id);
        await driver.mount(id);
        await driver.remove(id);
        expect(await driver.isMounted(id)).toBe(false);
        expect(await driver.list()).not.toContain(id);
      },
      timeout,
    );

    it(
      'usage() grows with writes',
      async () => {
        const id = await newContainer(lowers);
        const root = await driver.mount(id);
        const before = await driver.usage(id);
        writeFileSync(join(root, 'big'), Buffer.alloc(1024 * 1024, 7));
        mkdirSync(join(root, 'more'));
        writeFileSync(join(root, 'more/small'), 'x');
        const after = await driver.usage(id);
        expect(after.bytes).toBeGreaterThanOrEqual(before.bytes + 1024 * 1024);
        expect(after.inodes).toBeGreaterThanOrEqual(before.inodes + 3);
        await driver.remove(id);
      },
      timeout,
    );

    it(
      'diff() writes an overlay-format layer that gives the same view over the same lowers',
      async () => {
        const under = lowers.slice(0, 2);
        const id = await newContainer(under);
        const root = await driver.mount(id);
        mkdirSync(join(root, 'srv/data'), { recursive: true }); // add (with a new parent)
        writeFileSync(join(root, 'srv/data/added'), 'added');
        symlinkSync('../etc/hostname', join(root, 'srv/link'));
        writeFileSync(join(root, 'etc/hostname'), 'modified\n'); // modify
        chmodSync(join(root, 'bin/suid'), 0o700); // modify metadata only
        unlinkSync(join(root, 'etc/passwd')); // delete a lower file
        rmSync(join(root, 'var/lib'), { recursive: true }); // replace a dir by a new dir with other contents
        mkdirSync(join(root, 'var/lib'));
        writeFileSync(join(root, 'var/lib/fresh'), 'fresh');
        rmSync(join(root, 'home/user'), { recursive: true }); // replace a dir by a file
        writeFileSync(join(root, 'home/user'), 'was a dir');
        unlinkSync(join(root, 'dir-then-file')); // replace a file by a dir
        mkdirSync(join(root, 'dir-then-file'));
        writeFileSync(join(root, 'dir-then-file/inside'), 'inside');
        rmSync(join(root, 'opt'), { recursive: true }); // delete a lower dir
        const view = snapshotTree(root);

        const layer = join(base, `diff-${id.slice(0, 8)}`);
        mkdirSync(layer);
        await driver.diff(id, layer);
        expect(isWhiteout(join(layer, 'etc/passwd'))).toBe(true);
        expect(isWhiteout(join(layer, 'opt'))).toBe(true);
        expect(readFileSync(join(layer, 'srv/data/added'), 'utf8')).toBe('added');
        expect(readFileSync(join(layer, 'etc/hostname'), 'utf8')).toBe('modified\n');
        expect(existsSync(join(layer, 'etc/abs-link'))).toBe(false); // unchanged entries stay out of the diff
        expect(existsSync(join(layer, 'tmp'))).toBe(false);
        const varLib = join(layer, 'var/lib');
        expect(isOpaque(varLib) || isWhiteout(join(varLib, 'kept'))).toBe(true);

        const replay = await newContainer([...under, layer]);
        const replayed = snapshotTree(await driver.mount(replay));
        expect(asObject(replayed)).toEqual(asObject(view));
        expect(snapshotTree(root)).toEqual(view); // diff did not disturb the container
        await driver.remove(replay);
        await driver.remove(id);
      },
      timeout,
    );
  });
}
