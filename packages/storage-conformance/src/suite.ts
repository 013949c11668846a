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
    const f = fixture(name, makeDriver, options);
    viewTests(f, options, timeout);
    lifecycleTests(f, timeout);
    reportTests(f, timeout);
    diffTests(f, timeout);
  });
}

/** What every test of one run of the suite shares: the layers, the driver's home, the containers made. */
interface Fixture {
  layerSpecs: LayerEntry[][];
  base: string;
  home: string;
  lowers: string[];
  driver: StorageDriver;
  newContainer(lowerDirs: string[]): Promise<string>;
}

/** Builds the layers and the driver before the tests, and removes every container and file after them. */
function fixture(name: string, makeDriver: (home: string) => StorageDriver, options: ConformanceOptions): Fixture {
  const made = new Set<string>();
  const f: Fixture = {
    layerSpecs: options.layers ?? standardLayers(),
    base: '',
    home: '',
    lowers: [],
    driver: undefined as unknown as StorageDriver,
    async newContainer(lowerDirs) {
      const id = generateId();
      made.add(id);
      await f.driver.create(id, lowerDirs);
      return id;
    },
  };
  beforeAll(() => {
    f.base = mkdtempSync(join(options.tmpDir ?? tmpdir(), `conformance-${name}-`));
    f.home = join(f.base, 'home');
    mkdirSync(f.home);
    f.lowers = f.layerSpecs.map((entries, i) => buildLayer(join(f.base, 'layers', `L${i + 1}`), entries));
    f.driver = makeDriver(f.home);
  });
  afterAll(async () => {
    for (const id of made) await f.driver.remove(id).catch(() => undefined);
    rmSync(f.base, { recursive: true, force: true });
  });
  return f;
}

/** The merged view: what overlay shows over 1–3 lowers. */
function viewTests(f: Fixture, options: ConformanceOptions, timeout: number): void {
  const counts = [1, 2, 3].filter((n) => n <= f.layerSpecs.length);
  it.each(counts)(
    'mounts the merged view of %i lower layer(s): upper layers win, whiteouts hide, opaque dirs hide lower contents',
    async (n) => {
      const id = await f.newContainer(f.lowers.slice(0, n));
      const root = await f.driver.mount(id);
      const expected = describeView(expectedView(f.layerSpecs.slice(0, n)));
      expect(asObject(alignMtimes(snapshotTree(root), expected))).toEqual(asObject(expected));
      expect(await f.driver.mount(id)).toBe(root);
      await f.driver.remove(id);
    },
    timeout,
  );

  if (!options.layers) {
    it(
      'shows the standard layers as overlay would (independent of the model)',
      async () => {
        const id = await f.newContainer(f.lowers);
        const root = await f.driver.mount(id);
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
        await f.driver.remove(id);
      },
      timeout,
    );
  }
}

/** create, writes and removal: idempotent, isolated, leaving nothing. */
function lifecycleTests(f: Fixture, timeout: number): void {
  it(
    'create is idempotent and keeps what was written',
    async () => {
      const id = await f.newContainer(f.lowers);
      await f.driver.create(id, f.lowers);
      const root = await f.driver.mount(id);
      writeFileSync(join(root, 'written'), 'kept');
      await f.driver.create(id, f.lowers);
      expect(readFileSync(join(await f.driver.mount(id), 'written'), 'utf8')).toBe('kept');
      await f.driver.remove(id);
    },
    timeout,
  );

  it(
    'lands writes in the container and never changes the lower layers',
    async () => {
      const before = f.lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })));
      const id = await f.newContainer(f.lowers);
      const other = await f.newContainer(f.lowers);
      const root = await f.driver.mount(id);
      writeFileSync(join(root, 'new-file'), 'hello');
      appendFileSync(join(root, 'etc/passwd'), 'user:x:1000:1000::/home/user:/bin/sh\n');
      chmodSync(join(root, 'bin/suid'), 0o755);
      unlinkSync(join(root, 'var/lib/kept'));
      rmSync(join(root, 'file-then-dir'), { recursive: true });
      mkdirSync(join(root, 'opt/app/new-dir'));
      expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toContain('user:x:1000');
      expect(f.lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })))).toEqual(before);
      const otherRoot = await f.driver.mount(other);
      expect(otherRoot).not.toBe(root);
      expect(existsSync(join(otherRoot, 'new-file'))).toBe(false);
      expect(readFileSync(join(otherRoot, 'var/lib/kept'), 'utf8')).toBe('kept');
      await f.driver.remove(id);
      await f.driver.remove(other);
      expect(f.lowers.map((l) => asObject(snapshotTree(l, { layerFormat: true })))).toEqual(before);
    },
    timeout,
  );

  it(
    'unmount and remove are idempotent, and remove leaves nothing under home',
    async () => {
      const id = await f.newContainer(f.lowers);
      const root = await f.driver.mount(id);
      writeFileSync(join(root, 'survives-unmount'), 'yes');
      await f.driver.unmount(id);
      await f.driver.unmount(id);
      expect(await f.driver.isMounted(id)).toBe(false);
      expect(readFileSync(join(await f.driver.mount(id), 'survives-unmount'), 'utf8')).toBe('yes');
      await f.driver.remove(id);
      await f.driver.remove(id);
      await f.driver.unmount(id);
      await f.driver.remove(generateId());
      await f.driver.unmount(generateId());
      expect(await f.driver.isMounted(id)).toBe(false);
      expect(await f.driver.list()).not.toContain(id);
      const left = listAll(f.home);
      expect(left.filter((p) => p.includes(id))).toEqual([]);
      expect(left.filter((p) => !lstatSync(join(f.home, p)).isDirectory())).toEqual([]);
    },
    timeout,
  );
}

/** What the driver reports: list(), isMounted(), usage(). */
function reportTests(f: Fixture, timeout: number): void {
  it(
    'list() and isMounted() are truthful',
    async () => {
      const unknown = generateId();
      expect(await f.driver.isMounted(unknown)).toBe(false);
      expect(await f.driver.list()).not.toContain(unknown);
      const id = await f.newContainer(f.lowers.slice(0, 1));
      expect(await f.driver.list()).toContain(id);
      expect(await f.driver.isMounted(id)).toBe(false);
      await f.driver.mount(id);
      expect(await f.driver.isMounted(id)).toBe(true);
      await f.driver.unmount(id);
      expect(await f.driver.isMounted(id)).toBe(false);
      expect(await f.driver.list()).toContain(id);
      await f.driver.mount(id);
      await f.driver.remove(id);
      expect(await f.driver.isMounted(id)).toBe(false);
      expect(await f.driver.list()).not.toContain(id);
    },
    timeout,
  );

  it(
    'usage() grows with writes',
    async () => {
      const id = await f.newContainer(f.lowers);
      const root = await f.driver.mount(id);
      const before = await f.driver.usage(id);
      writeFileSync(join(root, 'big'), Buffer.alloc(1024 * 1024, 7));
      mkdirSync(join(root, 'more'));
      writeFileSync(join(root, 'more/small'), 'x');
      const after = await f.driver.usage(id);
      expect(after.bytes).toBeGreaterThanOrEqual(before.bytes + 1024 * 1024);
      expect(after.inodes).toBeGreaterThanOrEqual(before.inodes + 3);
      await f.driver.remove(id);
    },
    timeout,
  );
}

/** diff() in the layer format, replayed over the same lowers. */
function diffTests(f: Fixture, timeout: number): void {
  it(
    'diff() writes an overlay-format layer that gives the same view over the same f.lowers',
    async () => {
      const under = f.lowers.slice(0, 2);
      const id = await f.newContainer(under);
      const root = await f.driver.mount(id);
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

      const layer = join(f.base, `diff-${id.slice(0, 8)}`);
      mkdirSync(layer);
      await f.driver.diff(id, layer);
      expect(isWhiteout(join(layer, 'etc/passwd'))).toBe(true);
      expect(isWhiteout(join(layer, 'opt'))).toBe(true);
      expect(readFileSync(join(layer, 'srv/data/added'), 'utf8')).toBe('added');
      expect(readFileSync(join(layer, 'etc/hostname'), 'utf8')).toBe('modified\n');
      expect(existsSync(join(layer, 'etc/abs-link'))).toBe(false); // unchanged entries stay out of the diff
      expect(existsSync(join(layer, 'tmp'))).toBe(false);
      const varLib = join(layer, 'var/lib');
      expect(isOpaque(varLib) || isWhiteout(join(varLib, 'kept'))).toBe(true);

      const replay = await f.newContainer([...under, layer]);
      const replayed = snapshotTree(await f.driver.mount(replay));
      expect(asObject(replayed)).toEqual(asObject(view));
      expect(snapshotTree(root)).toEqual(view); // diff did not disturb the container
      await f.driver.remove(replay);
      await f.driver.remove(id);
    },
    timeout,
  );
}
