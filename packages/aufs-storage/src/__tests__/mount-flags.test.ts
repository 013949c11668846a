import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillInspect } from '../inspect';
import { parseCsvLine, parseMountFlag, parseRunMounts, parseTmpfsFlag, ramInBytes } from '../volumes/mount-spec';
import { parseVolumeSpec } from '../volumes/volume-spec';
import { parseVolumeOptions, volumeSource } from '../volumes/volume-options';
import { matchesLabels, parsePruneFilters } from '../volumes/volume-prune';
import { volumeLabels } from '../volumes/volume-list';

describe('CSV as Go reads it (--mount)', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['a,,b', ['a', '', 'b']],
    ['', ['']],
  ])('%s', (line, fields) => expect(parseCsvLine(line)).toEqual(fields));
  it.each(['a"b', '"open', '"a"b'])('refuses %s', (line) => expect(() => parseCsvLine(line)).toThrow(/"/));
});

describe('--mount', () => {
  it("Docker's reference examples", () => {
    expect(parseMountFlag('type=bind,source=/srv/app,target=/app')).toEqual({
      kind: 'bind',
      source: '/srv/app',
      destination: '/app',
      readOnly: false,
      origin: 'mount',
    });
    expect(parseMountFlag('type=bind,src=/srv,dst=/app,readonly,bind-propagation=rshared')).toEqual({
      kind: 'bind',
      source: '/srv',
      destination: '/app',
      readOnly: true,
      propagation: 'rshared',
      origin: 'mount',
    });
    expect(parseMountFlag('source=myvol,target=/data,ro=true')).toEqual({
      kind: 'named',
      name: 'myvol',
      destination: '/data',
      readOnly: true,
      origin: 'mount',
    });
    expect(parseMountFlag('type=volume,target=/cache,volume-nocopy,volume-label=a=b')).toEqual({
      kind: 'anonymous',
      destination: '/cache',
      readOnly: false,
      noCopy: true,
      labels: { a: 'b' },
      origin: 'mount',
    });
    expect(parseMountFlag('type=tmpfs,destination=/run,tmpfs-size=64m,tmpfs-mode=1770')).toEqual({
      kind: 'tmpfs',
      destination: '/run',
      readOnly: false,
      options: 'noexec,nosuid,nodev,size=64m,mode=1770',
      origin: 'mount',
    });
    expect(parseMountFlag('"type=bind","source=/a,b",target=/x').kind === 'bind' && parseMountFlag('"type=bind","source=/a,b",target=/x')).toMatchObject({
      source: '/a,b',
    });
  });

  it.each([
    ['type=bind,source=/a', /target is required/],
    ['type=bind,target=/a,foo', /invalid field 'foo' must be a key=value pair/],
    ['type=bind,target=/a,color=red', /unexpected key 'color' in 'color=red'/],
    ['type=volume,target=/a,bind-propagation=shared', /cannot mix 'bind-\*' options with mount type 'volume'/],
    ['type=bind,source=/s,target=/a,tmpfs-size=1m', /cannot mix 'tmpfs-\*' options with mount type 'bind'/],
    ['type=tmpfs,target=/a,volume-nocopy', /cannot mix 'volume-\*' options with mount type 'tmpfs'/],
    ['type=npipe,target=/a', /not supported here/],
    ['type=tmpfs,source=x,target=/a', /field Source must not be specified/],
    ['type=bind,target=/a', /field Source must not be empty/],
    ['type=bind,source=rel,target=/a', /must be absolute/],
    ['type=bind,source=/s,target=/a,readonly=maybe', /invalid value for readonly: maybe/],
    ['type=bind,source=/s,target=/a,bind-propagation=sideways', /invalid bind-propagation/],
    ['type=tmpfs,target=/a,tmpfs-size=lots', /invalid tmpfs-size/],
    ['type=tmpfs,target=/a,tmpfs-mode=999', /invalid tmpfs-mode/],
    ['type=volume,target=relative', /must be absolute/],
    ['type=tmpfs,target=/proc/sys', /inside \/proc/],
    ['type=bind,source="x,target=/a', /"/],
  ])('refuses %s', (flag, message) => expect(() => parseMountFlag(flag)).toThrow(message));

  it('ramInBytes and the size Docker hands to tmpfs', () => {
    expect(ramInBytes('64m')).toBe(64 * 2 ** 20);
    expect(ramInBytes('1.5k')).toBe(1536);
    expect(ramInBytes('2GiB')).toBe(2 * 2 ** 30);
    expect(ramInBytes('x')).toBeUndefined();
    expect(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=1536').kind === 'tmpfs' && parseMountFlag('type=tmpfs,target=/t,tmpfs-size=1536')).toMatchObject({
      options: 'noexec,nosuid,nodev,size=1536',
    });
    expect(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=2g')).toMatchObject({ options: 'noexec,nosuid,nodev,size=2g' });
  });
});

describe('--tmpfs', () => {
  it('starts from noexec,nosuid,nodev and passes mount options on', () => {
    expect(parseTmpfsFlag('/run')).toEqual({ kind: 'tmpfs', destination: '/run', readOnly: false, options: 'noexec,nosuid,nodev', origin: 'tmpfs' });
    expect(parseTmpfsFlag('/run:rw,exec,size=65536k,mode=1777')).toEqual({
      kind: 'tmpfs',
      destination: '/run',
      readOnly: false,
      options: 'noexec,nosuid,nodev,exec,size=65536k,mode=1777',
      origin: 'tmpfs',
    });
    expect(parseTmpfsFlag('/ro:ro')).toMatchObject({ readOnly: true });
  });
  it.each([
    [':size=1m', /give \/container\/path/],
    ['run', /must be absolute/],
    ['/run:bogus', /unknown option "bogus"/],
    ['/run:color=red', /unknown option "color=red"/],
    ['/', /cannot be "\/"/],
  ])('refuses %s', (flag, message) => expect(() => parseTmpfsFlag(flag)).toThrow(message));
});

describe('-v options field', () => {
  it('accepts z/Z (ignored), propagation, nocopy and consistency words', () => {
    expect(parseVolumeSpec('/srv:/data:z')).toEqual({ kind: 'bind', source: '/srv', destination: '/data', readOnly: false, mode: 'z' });
    expect(parseVolumeSpec('/srv:/data:ro,Z,rslave')).toEqual({
      kind: 'bind',
      source: '/srv',
      destination: '/data',
      readOnly: true,
      propagation: 'rslave',
      mode: 'ro,Z,rslave',
    });
    expect(parseVolumeSpec('v:/data:nocopy,cached')).toEqual({
      kind: 'named',
      name: 'v',
      destination: '/data',
      readOnly: false,
      noCopy: true,
      mode: 'nocopy,cached',
    });
  });
  it.each([
    ['/s:/d:ro,rw', /more than one rw\/ro/],
    ['/s:/d:z,Z', /more than one SELinux label/],
    ['/s:/d:shared,private', /more than one propagation/],
    ['/s:/d:nocopy', /nocopy applies to volumes/],
    ['v:/d:rshared', /applies to bind mounts of host paths/],
    ['/s:/d:bogus', /invalid mode "bogus"/],
  ])('refuses %s', (spec, message) => expect(() => parseVolumeSpec(spec)).toThrow(message));

  it('refuses one container path given by -v and --mount', () => {
    expect(() => parseRunMounts(emptyRunSpec({ flags: { storage: { volume: ['/a:/data'], mount: ['type=tmpfs,target=/data/'] } } }))).toThrow(
      /Duplicate mount point: \/data/,
    );
    expect(parseRunMounts(emptyRunSpec({ flags: { storage: { volume: ['/a:/x'], mount: ['type=tmpfs,target=/y'], tmpfs: ['/z'] } } }))).toHaveLength(3);
  });
});

describe('volume create -o', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'volopt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the local driver's tmpfs and bind forms", () => {
    expect(parseVolumeOptions(['type=tmpfs', 'device=tmpfs', 'o=size=100m,uid=1000'])).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' });
    expect(volumeSource({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, 'v')).toEqual({ kind: 'tmpfs', data: 'size=1m' });
    expect(parseVolumeOptions(['type=none', 'o=bind', `device=${dir}/`])).toEqual({ type: 'none', o: 'bind', device: `${dir}/` });
    expect(volumeSource({ type: 'none', o: 'bind', device: `${dir}/` }, 'v')).toEqual({ kind: 'bind', source: dir });
    expect(volumeSource(undefined, 'v')).toEqual({ kind: 'directory' });
    expect(parseVolumeOptions([])).toEqual({});
  });
  it.each([
    [['size=1g'], /key "size"/],
    [['type'], /use KEY=VALUE/],
    [['type=ext4', 'device=/dev/sdz1'], /not supported/],
    [['type=none', 'o=bind', 'device=/no/such/dir'], /not an existing directory/],
    [['type=nfs', 'o=addr=1.2.3.4', 'device=:/x'], /not supported/],
  ])('refuses %p', (opts, message) => expect(() => parseVolumeOptions(opts)).toThrow(message));
});

describe('volume prune filters', () => {
  it('label=, label!= with and without a value', () => {
    const prod = volumeLabels({ name: 'v', anonymous: false, createdAt: '', mountpoint: '', labels: { env: 'prod' } });
    expect(matchesLabels(prod, parsePruneFilters(['label=env']))).toBe(true);
    expect(matchesLabels(prod, parsePruneFilters(['label=env=prod']))).toBe(true);
    expect(matchesLabels(prod, parsePruneFilters(['label=env=dev']))).toBe(false);
    expect(matchesLabels(prod, parsePruneFilters(['label!=env']))).toBe(false);
    expect(matchesLabels(prod, parsePruneFilters(['label!=env=dev']))).toBe(true);
    expect(volumeLabels({ name: 'a', anonymous: true, createdAt: '', mountpoint: '' })).toEqual({ 'com.docker.volume.anonymous': '' });
  });
  it.each([
    ['until=24h', /Invalid filter 'until'/],
    ['label', /Bad format/],
    ['label=', /give label=KEY/],
  ])('refuses %s', (f, message) => expect(() => parsePruneFilters([f])).toThrow(message));
});

describe('inspect of --mount, --tmpfs and -v modes', () => {
  it("Docker's Mounts, HostConfig.Mounts and HostConfig.Tmpfs", () => {
    const spec = emptyRunSpec({
      flags: {
        storage: {
          volume: ['/srv:/z:ro,Z'],
          mount: ['type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=700', 'type=bind,source=/h,target=/h,bind-propagation=rshared'],
          tmpfs: ['/run:size=1m', '/cache'],
        },
      },
    });
    const record: ContainerRecord = {
      id: 'f'.repeat(64),
      name: 'x',
      image: 'busybox',
      command: [],
      createdAt: '',
      status: 'running',
      env: [],
      hostname: '',
      workdir: '/',
      tty: false,
      detach: true,
      autoRemove: false,
      spec,
      ext: {
        storage: {
          driver: 'overlay',
          imageId: 'i',
          layers: [],
          volumes: [
            { type: 'bind', anonymous: false, source: '/srv', destination: '/z', readOnly: true, mode: 'ro,Z' },
            { type: 'tmpfs', anonymous: false, source: '', destination: '/t', readOnly: false, origin: 'mount' },
            { type: 'bind', anonymous: false, source: '/h', destination: '/h', readOnly: false, propagation: 'rshared', origin: 'mount' },
            { type: 'tmpfs', anonymous: false, source: '', destination: '/run', readOnly: false, origin: 'tmpfs' },
          ],
        },
      },
    };
    const view: ContainerInspectView = { HostConfig: {}, NetworkSettings: {}, Config: { Volumes: null }, Mounts: [] };
    fillInspect(record, view);
    expect(view.Mounts).toEqual([
      { Type: 'bind', Source: '/srv', Destination: '/z', Mode: 'ro,Z', RW: false, Propagation: 'rprivate' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
      { Type: 'bind', Source: '/h', Destination: '/h', Mode: '', RW: true, Propagation: 'rshared' },
    ]);
    expect(view.HostConfig.Mounts).toEqual([
      { Type: 'tmpfs', Source: '', Target: '/t', TmpfsOptions: { SizeBytes: 2 * 2 ** 20, Mode: 0o700 } },
      { Type: 'bind', Source: '/h', Target: '/h', BindOptions: { Propagation: 'rshared' } },
    ]);
    expect(view.HostConfig.Tmpfs).toEqual({ '/run': 'size=1m', '/cache': '' });
  });
});
