import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';
import { sha, tar } from './tar-fixtures';

/**
 * Issue 14, the image store: content-addressed blobs, shared and counted layers, the migration of the
 * old layout, and the commands about stored images in Docker's spellings and output.
 */
const sandbox = new Sandbox('imgstore', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

const lines = (s: string) => s.split('\n').filter(Boolean);
const rows = (s: string) =>
  lines(s)
    .slice(1)
    .map((l) => l.split(/\s{2,}/));
const index = () =>
  JSON.parse(readFileSync(join(sandbox.root, 'images/index.json'), 'utf8')) as {
    tags: Record<string, string>;
    manifests: Record<string, { config: string; layers: string[]; blobs: string[]; repoDigests: string[] }>;
  };
const layerDirs = () =>
  existsSync(join(sandbox.root, 'layers'))
    ? readdirSync(join(sandbox.root, 'layers'))
        .filter((n) => /^[0-9a-f]{64}$/.test(n))
        .sort()
    : [];
const blobs = () =>
  readdirSync(join(sandbox.root, 'images/sha256'))
    .filter((n) => /^[0-9a-f]{64}$/.test(n))
    .sort();
const idOf = async (ref: string) => (await sandbox.ok(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();

/** A root with the host's static busybox, a sticky /tmp, a setgid directory owned by 1000:1000 and a setuid file. */
function modesRoot(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'stat', 'ls', 'cat', 'echo', 'id', 'pwd', 'sleep', 'mkdir', 'chmod']) symlinkSync('busybox', join(dir, 'bin', a));
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  mkdirSync(join(dir, 'shared'));
  chownSync(join(dir, 'shared'), 1000, 1000);
  chmodSync(join(dir, 'shared'), 0o2750);
  writeFileSync(join(dir, 'bin/suid'), 'x');
  chmodSync(join(dir, 'bin/suid'), 0o4755);
  return dir;
}

const MODES = "stat -c '%a %u:%g %n' /tmp /shared /bin/suid";
const EXPECTED_MODES = '1777 0:0 /tmp\n2750 1000:1000 /shared\n4755 0:0 /bin/suid\n';

describe('the content-addressed store', () => {
  it('keeps configs and manifests as blobs under sha256/, tags as references to a manifest digest', async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
    const idx = index();
    const manifest = idx.tags['busybox:latest'];
    expect(manifest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const entry = idx.manifests[manifest];
    // Every blob's name is the sha256 of its bytes: the manifest, and the config (the image id).
    for (const b of blobs()) expect(sha(readFileSync(join(sandbox.root, 'images/sha256', b)))).toBe(b);
    expect(blobs()).toEqual(expect.arrayContaining([manifest.slice(7), entry.config.slice(7)]));
    expect(await idOf('busybox')).toBe(entry.config);
    const m = JSON.parse(readFileSync(join(sandbox.root, 'images/sha256', manifest.slice(7)), 'utf8'));
    expect(m.config.digest).toBe(entry.config);
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(entry.layers);
    expect(layerDirs()).toEqual(entry.layers.map((l) => l.slice(7)));
  });

  it('unpacks a shared layer once and removes a layer with the last image that uses it', async () => {
    await sandbox.ok(['run', '--name', 'a', 'busybox', 'sh', '-c', 'echo a > /a']);
    await sandbox.ok(['run', '--name', 'b', 'busybox', 'sh', '-c', 'echo b > /b']);
    await sandbox.ok(['commit', 'a', 'share:a']);
    await sandbox.ok(['commit', 'b', 'share:b']);
    await sandbox.ok(['rm', 'a', 'b']);
    const base = index().manifests[index().tags['busybox:latest']].layers[0].slice(7);
    const layerA = index().manifests[index().tags['share:a']].layers[1].slice(7);
    const layerB = index().manifests[index().tags['share:b']].layers[1].slice(7);
    expect(layerDirs()).toEqual([base, layerA, layerB].sort());
    // Two images and busybox name the base layer; it is stored once.
    expect(index().manifests[index().tags['share:a']].layers[0].slice(7)).toBe(base);
    const out = await sandbox.ok(['rmi', 'share:a']);
    expect(lines(out)).toEqual([
      'Untagged: share:a:latest'.replace(':latest', ''),
      expect.stringMatching(/^Deleted: sha256:[0-9a-f]{64}$/),
      `Deleted: sha256:${layerA}`,
    ]);
    expect(layerDirs()).toEqual([base, layerB].sort());
    await sandbox.ok(['rmi', 'share:b']);
    expect(layerDirs()).toEqual([base]);
    // No blob is left that nothing names.
    const named = new Set(Object.entries(index().manifests).flatMap(([d, e]) => [d.slice(7), e.config.slice(7), ...e.blobs.map((b) => b.slice(7))]));
    expect(blobs().filter((b) => !named.has(b))).toEqual([]);
  });

  it('migrates a store written in the old layout on first use', async () => {
    const old = new Sandbox('imgstore-old', { defaultNetwork: 'none' });
    try {
      const layer = tar([
        { path: 'bin/', type: 'Directory' },
        { path: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 },
        { path: 'bin/sh', type: 'SymbolicLink', linkpath: 'busybox' },
        { path: 'etc/', type: 'Directory' },
        { path: 'etc/old', body: 'from the old store\n' },
      ]);
      const diff = sha(layer);
      const dir = join(old.root, 'layers', diff, 'diff');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(old.dir, 'l.tar'), layer);
      execFileSync('tar', ['-xf', join(old.dir, 'l.tar'), '-C', dir]);
      writeFileSync(join(old.root, 'layers', diff, 'layer.json'), JSON.stringify({ digest: diff, size: layer.length, createdAt: '2026-01-01T00:00:00Z' }));
      const config = JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2026-01-01T00:00:00Z',
        config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] },
      });
      const id = sha(config);
      mkdirSync(join(old.root, 'images', id), { recursive: true });
      writeFileSync(join(old.root, 'images', id, 'config.json'), config);
      const pulled = `sha256:${'a'.repeat(64)}`;
      writeFileSync(join(old.root, 'images', id, 'repo-digests.json'), JSON.stringify([`127.0.0.1:5000/old@${pulled}`]));
      writeFileSync(join(old.root, 'images/repositories.json'), JSON.stringify({ 'old:1': id, '127.0.0.1:5000/old:1': id }));

      expect(rows(await old.ok(['images', '--digests']))).toEqual([
        ['127.0.0.1:5000/old', '1', pulled, id.slice(0, 12), expect.any(String), expect.any(String)],
        ['old', '1', '<none>', id.slice(0, 12), expect.any(String), expect.any(String)],
      ]);
      expect(readdirSync(join(old.root, 'images')).sort()).toEqual(['index.json', 'sha256']);
      expect(await old.ok(['run', '--rm', 'old:1', 'sh', '-c', 'read l < /etc/old; echo $l'])).toBe('from the old store\n');
      expect((await old.ok(['image', 'inspect', '-f', '{{.Id}}', `127.0.0.1:5000/old@${pulled}`])).trim()).toBe(`sha256:${id}`);
      expect(existsSync(join(old.root, 'layers', diff, 'diff/etc/old'))).toBe(true);
    } finally {
      expect(await old.destroy()).toEqual([]);
    }
  });
});

describe('images', () => {
  beforeAll(async () => {
    await sandbox.ok(['run', '--name', 'lbl', 'busybox', 'true']);
    await sandbox.ok(['commit', '-c', 'LABEL tier=web', 'lbl', 'labelled:1']);
    await sandbox.ok(['commit', 'lbl', 'dangling:1']);
    await sandbox.ok(['commit', '-c', 'LABEL tier=db', 'lbl', 'dangling:1']);
    await sandbox.ok(['rm', 'lbl']);
  });

  it("prints Docker's columns, newest first, with <none> for an untagged image", async () => {
    const out = await sandbox.ok(['images']);
    expect(lines(out)[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const r = rows(out);
    expect(r.map((x) => `${x[0]}:${x[1]}`)).toEqual(expect.arrayContaining(['busybox:latest', 'labelled:1', 'dangling:1', '<none>:<none>']));
    expect(r[r.length - 1].slice(0, 2)).toEqual(['busybox', 'latest']);
    for (const x of r) expect(x[2]).toMatch(/^[0-9a-f]{12}$/);
  });

  it('-q, --no-trunc, -a, --digests and --format', async () => {
    const ids = lines(await sandbox.ok(['images', '-q']));
    expect(ids).toHaveLength(4);
    expect(lines(await sandbox.ok(['images', '-q', '-a']))).toEqual(ids);
    expect(lines(await sandbox.ok(['images', '-q', '--no-trunc']))).toEqual(ids.map((i) => expect.stringMatching(new RegExp(`^sha256:${i}[0-9a-f]{52}$`))));
    expect(lines(await sandbox.ok(['images', '--digests']))[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(await sandbox.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', 'busybox'])).toBe(
      `busybox:latest ${(await idOf('busybox')).slice(7, 19)}\n`,
    );
    expect(lines(await sandbox.ok(['images', '--format', 'table {{.Repository}}\t{{.ID}}', 'busybox']))).toEqual([
      expect.stringMatching(/^REPOSITORY\s+IMAGE ID$/),
      expect.stringMatching(/^busybox\s+[0-9a-f]{12}$/),
    ]);
    expect(JSON.parse(await sandbox.ok(['images', '--format', 'json', 'labelled']))).toMatchObject({
      Repository: 'labelled',
      Tag: '1',
      Size: expect.any(String),
    });
  });

  it('--filter reference, dangling, label, before and since', async () => {
    const names = async (...f: string[]) =>
      (await sandbox.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', ...f.flatMap((x) => ['--filter', x])])).split('\n').filter(Boolean).sort();
    expect(await names('reference=label*')).toEqual(['labelled:1']);
    expect(await names('reference=*:1')).toEqual(['dangling:1', 'labelled:1']);
    expect(await names('dangling=true')).toEqual(['<none>:<none>']);
    expect(await names('dangling=false')).toEqual(['busybox:latest', 'dangling:1', 'labelled:1']);
    expect(await names('label=tier')).toEqual(['dangling:1', 'labelled:1']);
    expect(await names('label=tier=web')).toEqual(['labelled:1']);
    expect(await names('since=busybox')).toEqual(['<none>:<none>', 'dangling:1', 'labelled:1']);
    expect(await names('before=labelled:1')).toEqual(['busybox:latest']);
    const bad = await sandbox.run(['images', '--filter', 'colour=red']);
    expect([bad.code, bad.stdout]).toEqual([125, '']);
    expect(lines(bad.stderr)).toEqual([expect.stringMatching(/Invalid filter 'colour'/)]);
  });
});

describe('rmi', () => {
  it('untags a name while others remain, and deletes with the last one', async () => {
    await sandbox.ok(['tag', 'labelled:1', 'labelled:2']);
    const id = await idOf('labelled:1');
    expect(await sandbox.ok(['rmi', 'labelled:2'])).toBe('Untagged: labelled:2\n');
    expect(await idOf('labelled:1')).toBe(id);
    const out = lines(await sandbox.ok(['rmi', 'labelled:1']));
    expect(out.slice(0, 2)).toEqual(['Untagged: labelled:1', `Deleted: ${id}`]);
    expect((await sandbox.run(['image', 'inspect', id])).code).toBe(1);
  });

  it('by id prefix: refused with several names unless -f', async () => {
    await sandbox.ok(['tag', 'dangling:1', 'other:1']);
    const id = (await idOf('dangling:1')).slice(7);
    const r = await sandbox.run(['rmi', id.slice(0, 8)]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(/^Error: Unable to delete [0-9a-f]{12} \(must be forced\): the image is referenced in multiple repositories\.\n$/);
    const out = lines(await sandbox.ok(['rmi', '-f', id.slice(0, 8)]));
    expect(out).toEqual(expect.arrayContaining(['Untagged: dangling:1', 'Untagged: other:1', `Deleted: sha256:${id}`]));
  });

  it('refuses an image a container uses unless -f; -f keeps what the container needs', async () => {
    await sandbox.ok(['tag', 'busybox', 'inuse:1']);
    await sandbox.ok(['run', '--name', 'user', 'busybox', 'sh', '-c', 'echo x > /x']);
    await sandbox.ok(['commit', 'user', 'inuse:2']);
    await sandbox.ok(['rm', 'user']);
    await sandbox.ok(['run', '-d', '--name', 'user2', 'inuse:2', 'sleep', '300']);
    const r = await sandbox.run(['rmi', 'inuse:2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: Unable to remove repository reference "inuse:2" \(must force\): container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\.\n$/,
    );
    // -f with a running container: untagged, the image stays (dangling) and the container keeps running.
    expect(await sandbox.ok(['rmi', '-f', 'inuse:2'])).toBe('Untagged: inuse:2\n');
    expect(await sandbox.ok(['exec', 'user2', 'cat', '/x'])).toBe('x\n');
    await sandbox.ok(['rm', '-f', 'user2']);
    expect(await sandbox.ok(['rmi', 'inuse:1'])).toBe('Untagged: inuse:1\n');
  });

  it('a digest reference: by name@sha256 of a stored manifest; unknown names are one sentence', async () => {
    // `image tag` and `image ls` are the management command's spellings of `tag` and `images`.
    await sandbox.ok(['image', 'tag', 'busybox', 'bydigest:1']);
    expect(await sandbox.ok(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'bydigest'])).toBe('bydigest:1\n');
    const manifest = index().tags['bydigest:1'];
    expect(await idOf(`bydigest@${manifest}`)).toBe(await idOf('busybox'));
    const r = await sandbox.run(['rmi', 'no-such-image']);
    expect([r.code, r.stderr]).toEqual([1, 'Error: No such image: no-such-image.\n']);
    await sandbox.ok(['image', 'rm', 'bydigest:1']);
  });
});

describe('image inspect, history, prune', () => {
  it("image inspect: Docker's JSON shape and -f templates", async () => {
    const [view] = JSON.parse(await sandbox.ok(['image', 'inspect', 'busybox']));
    expect(Object.keys(view)).toEqual(expect.arrayContaining(['Id', 'RepoTags', 'RepoDigests', 'Created', 'Architecture', 'Os', 'Config', 'RootFS', 'Size']));
    expect(view.RepoTags).toEqual(['busybox:latest']);
    expect(view.RootFS).toEqual({ Type: 'layers', Layers: [expect.stringMatching(/^sha256:[0-9a-f]{64}$/)] });
    expect(view.Config).toMatchObject({ Cmd: ['sh'], Entrypoint: null, WorkingDir: '/', Env: [expect.stringMatching(/^PATH=/)] });
    expect(await sandbox.ok(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}}', 'busybox'])).toMatch(/^linux\/\w+ 1\n$/);
    const r = await sandbox.run(['image', 'inspect', 'nothing-here']);
    expect([r.code, r.stdout.trim()]).toEqual([1, '[]']);
  });

  it('image history: columns, --no-trunc, -q, --format', async () => {
    await sandbox.ok(['run', '--name', 'h', 'busybox', 'sh', '-c', 'echo h > /h']);
    const id = (await sandbox.ok(['commit', '-m', 'a comment', 'h', 'hist:1'])).trim();
    await sandbox.ok(['rm', 'h']);
    const out = await sandbox.ok(['image', 'history', 'hist:1']);
    expect(lines(out)[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(rows(out)).toEqual([
      [id.slice(7, 19), expect.stringMatching(/ago$/), 'mydocker commit h', expect.stringMatching(/^\d+B$/), 'a comment'],
      ['<missing>', expect.any(String), expect.stringMatching(/^mydocker: busybox from/), expect.stringMatching(/MB$/)],
    ]);
    expect(await sandbox.ok(['history', '-q', 'hist:1'])).toBe(`${id.slice(7, 19)}\n<missing>\n`);
    expect(lines(await sandbox.ok(['image', 'history', '--no-trunc', '-q', 'hist:1']))[0]).toBe(id);
    expect(await sandbox.ok(['image', 'history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'hist:1'])).toMatch(/^mydocker commit h\|a comment\n/);
    await sandbox.ok(['rmi', 'hist:1']);
  });

  it('image prune: asks first; removes dangling images, and with -a every unused one', async () => {
    const dangling = lines(await sandbox.ok(['images', '-q', '--filter', 'dangling=true']));
    expect(dangling.length).toBeGreaterThan(0);
    const no = await sandbox.run(['image', 'prune'], { input: 'n\n' });
    expect([no.code, no.stdout]).toEqual([0, 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ']);
    expect(lines(await sandbox.ok(['images', '-q', '--filter', 'dangling=true']))).toEqual(dangling);
    const out = await sandbox.ok(['image', 'prune', '-f']);
    expect(out).toMatch(/^Deleted Images:\n(deleted: sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: \S+\n$/);
    expect(await sandbox.ok(['images', '-q', '--filter', 'dangling=true'])).toBe('');
    await sandbox.ok(['tag', 'busybox', 'unused:1']);
    await sandbox.ok(['run', '-d', '--name', 'keeper', 'busybox', 'sleep', '300']);
    const all = await sandbox.ok(['image', 'prune', '-a', '-f']);
    // busybox is used by a container: it stays, with all its names.
    expect(all).not.toMatch(/untagged: busybox/);
    expect(await sandbox.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toBe(
      'busybox:latest\nunused:1\n'.split('\n').filter(Boolean).sort().join('\n') + '\n',
    );
    await sandbox.ok(['rm', '-f', 'keeper']);
    await sandbox.ok(['rmi', 'unused:1']);
  });
});

describe('run honours the image config', () => {
  it('Entrypoint, Cmd, Env, WorkingDir, User, Volumes, StopSignal, Labels, ExposedPorts; --entrypoint', async () => {
    await sandbox.ok(['run', '--name', 'cfg', 'busybox', 'sh', '-c', 'mkdir -p /data /work && echo seeded > /data/f']);
    const id = (
      await sandbox.ok([
        'commit',
        '-q',
        '-a',
        'Jane <jane@example.com>',
        '-m',
        'configured',
        '-c',
        'ENTRYPOINT ["sh", "-c"]',
        '-c',
        'CMD ["echo $GREETING from $(pwd) as $(id -u); cat /data/f"]',
        '-c',
        'ENV GREETING=hello',
        '-c',
        'WORKDIR /work',
        '-c',
        'USER 1000',
        '-c',
        'VOLUME /data',
        '-c',
        'STOPSIGNAL SIGUSR1',
        '-c',
        'LABEL team=core',
        '-c',
        'EXPOSE 8080/tcp',
        'cfg',
        'configured:1',
      ])
    ).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    await sandbox.ok(['rm', 'cfg']);
    expect(await sandbox.ok(['image', 'inspect', '-f', '{{.Author}}|{{.Comment}}|{{.Config.StopSignal}}', 'configured:1'])).toBe(
      'Jane <jane@example.com>|configured|SIGUSR1\n',
    );
    expect(await sandbox.ok(['run', '--name', 'c1', 'configured:1'])).toBe('hello from /work as 1000\nseeded\n');
    const view = JSON.parse(await sandbox.ok(['inspect', 'c1']))[0];
    expect(view.Config.Labels).toMatchObject({ team: 'core' });
    expect(view.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(view.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Destination: '/data' })]);
    await sandbox.ok(['rm', '-v', 'c1']);
    expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe('');
    // --entrypoint replaces the image's and drops its CMD; '' clears it.
    expect(await sandbox.ok(['run', '--rm', '--entrypoint', 'echo', 'configured:1', 'replaced'])).toBe('replaced\n');
    expect(await sandbox.ok(['run', '--rm', '--entrypoint', '', 'configured:1', 'echo', 'cleared'])).toBe('cleared\n');
    // STOPSIGNAL: stop sends SIGUSR1 first, which the trap answers by exiting 7.
    await sandbox.ok(['run', '-d', '--name', 'sig', '--entrypoint', 'sh', 'configured:1', '-c', "trap 'exit 7' USR1; while true; do sleep 0.1; done"]);
    await sandbox.ok(['stop', '-t', '20', 'sig']);
    expect(await sandbox.ok(['inspect', '-f', '{{.State.ExitCode}}', 'sig'])).toBe('7\n');
    await sandbox.ok(['rm', '-v', 'sig']);
    await sandbox.ok(['rmi', 'configured:1']);
  });

  it('a bad --change is one sentence, exit 125, and nothing is made', async () => {
    await sandbox.ok(['run', '--name', 'bad', 'busybox', 'true']);
    const before = await sandbox.ok(['images', '-q', '-a']);
    for (const change of ['FROM busybox', 'EXPOSE 99999', 'VOLUME relative']) {
      const r = await sandbox.run(['commit', '-c', change, 'bad', 'bad:1']);
      expect([r.code, r.stdout, lines(r.stderr).length]).toEqual([125, '', 1]);
    }
    expect(await sandbox.ok(['images', '-q', '-a'])).toBe(before);
    await sandbox.ok(['rm', 'bad']);
  });

  it('image import -c and -m', async () => {
    const file = join(sandbox.dir, 'imp.tar');
    execFileSync('tar', ['-cf', file, '-C', modesRoot(join(sandbox.dir, 'imp-root')), '.']);
    await sandbox.ok(['image', 'import', '-c', 'CMD ["echo", "imported"]', '-c', 'ENV A=1', '-m', 'from a tar', file, 'imp:1']);
    expect(await sandbox.ok(['run', '--rm', 'imp:1'])).toBe('imported\n');
    expect(await sandbox.ok(['image', 'inspect', '-f', '{{.Comment}} {{index .Config.Env 1}}', 'imp:1'])).toBe('from a tar A=1\n');
    await sandbox.ok(['rmi', 'imp:1']);
  });
});

describe('modes, owners and special bits survive', () => {
  let root: string;
  beforeAll(() => {
    root = modesRoot(join(sandbox.dir, 'modes-root'));
  });

  it('import', async () => {
    const file = join(sandbox.dir, 'modes.tar');
    execFileSync('tar', ['--numeric-owner', '-cf', file, '-C', root, '.']);
    await sandbox.ok(['import', file, 'modes:1']);
    expect(await sandbox.ok(['run', '--rm', 'modes:1', 'sh', '-c', MODES])).toBe(EXPECTED_MODES);
  });

  it('save and load (the image id is kept)', async () => {
    const id = await idOf('modes:1');
    const file = join(sandbox.dir, 'modes-saved.tar');
    await sandbox.ok(['save', '-o', file, 'modes:1']);
    await sandbox.ok(['rmi', 'modes:1']);
    expect(await sandbox.ok(['load', '-i', file])).toBe('Loaded image: modes:1\n');
    expect(await idOf('modes:1')).toBe(id);
    expect(await sandbox.ok(['run', '--rm', 'modes:1', 'sh', '-c', MODES])).toBe(EXPECTED_MODES);
    // The layer blob kept at import is what save wrote: saved again, the archive names the same manifest.
    const again = join(sandbox.dir, 'modes-again.tar');
    await sandbox.ok(['save', '-o', again, 'modes:1']);
    const manifestOf = (f: string) => JSON.parse(execFileSync('tar', ['-xOf', f, 'index.json'], { encoding: 'utf8' })).manifests[0].digest;
    expect(manifestOf(again)).toBe(manifestOf(file));
  });

  it('commit and export', async () => {
    await sandbox.ok(['run', '--name', 'm', 'modes:1', 'sh', '-c', 'mkdir /made && chmod 3775 /made && echo > /tmp/x']);
    await sandbox.ok(['commit', 'm', 'modes:2']);
    expect(await sandbox.ok(['run', '--rm', 'modes:2', 'sh', '-c', `${MODES} /made`])).toBe(`${EXPECTED_MODES}3775 0:0 /made\n`);
    const file = join(sandbox.dir, 'export.tar');
    await sandbox.ok(['export', '-o', file, 'm']);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/^drwxrwxrwt 0\/0 .* tmp\/$/m);
    expect(listing).toMatch(/^drwxr-s--- 1000\/1000 .* shared\/$/m);
    expect(listing).toMatch(/^-rwsr-xr-x 0\/0 .* bin\/suid$/m);
    expect(listing).toMatch(/^drwxrwsr-t 0\/0 .* made\/$/m);
    await sandbox.ok(['rm', 'm']);
    // Exported, then imported again: still the same.
    await sandbox.ok(['import', file, 'modes:3']);
    expect(await sandbox.ok(['run', '--rm', 'modes:3', 'sh', '-c', MODES])).toBe(EXPECTED_MODES);
    expect(statSync(file).size).toBeGreaterThan(0);
    await sandbox.ok(['rmi', 'modes:1', 'modes:2', 'modes:3']);
  });
});
