import { applyChanges, splitWords } from '../commands/changes';
import { applyImageFilters, globMatch, matchesReference, parseImageFilters } from '../commands/filters';
import { parseSubcommand } from '../commands/specs';
import { checkIndex, dropImage, emptyIndex, imageIds, layerRefCounts, tagsOf, unreferenced, type StoreIndex } from '../store/store-index';

const h = (c: string) => c.repeat(64);
const d = (c: string) => `sha256:${h(c)}`;

/** Two images sharing the base layer "a"; image 2 is tagged twice, image 3 is dangling. */
function sample(): StoreIndex {
  const idx = emptyIndex();
  idx.manifests[d('1')] = { config: d('c'), layers: [d('a'), d('b')], blobs: [d('a'), d('e')], repoDigests: [], added: '2026-01-01' };
  idx.manifests[d('2')] = { config: d('f'), layers: [d('a')], blobs: [d('a')], repoDigests: ['x@sha256:1'], added: '2026-01-02' };
  idx.manifests[d('3')] = { config: d('9'), layers: [d('8')], blobs: [d('8')], repoDigests: [], added: '2026-01-03' };
  idx.tags['one:latest'] = d('1');
  idx.tags['two:latest'] = d('2');
  idx.tags['two:v2'] = d('2');
  return idx;
}

describe('reference counting', () => {
  it('counts each layer once per image that uses it', () => {
    expect(Object.fromEntries(layerRefCounts(sample()))).toEqual({ [h('a')]: 2, [h('b')]: 1, [h('8')]: 1 });
  });

  it('keeps a shared layer until the last image goes, and what a container uses after that', () => {
    const idx = sample();
    const present = { layers: [h('a'), h('b'), h('8'), h('7')], blobs: [h('1'), h('2'), h('3'), h('c'), h('f'), h('9'), h('e'), h('a'), h('0')] };
    expect(unreferenced(idx, present)).toEqual({ layers: [h('7')], blobs: [h('0')] });
    expect(dropImage(idx, h('c'))).toEqual(['one:latest']);
    // "a" is still image 2's; "b" and image 1's blobs go.
    expect(unreferenced(idx, present)).toEqual({ layers: [h('b'), h('7')], blobs: [h('1'), h('c'), h('e'), h('0')] });
    expect(dropImage(idx, h('f'))).toEqual(['two:latest', 'two:v2']);
    expect(unreferenced(idx, present).layers).toEqual([h('a'), h('b'), h('7')]);
    // A container that runs on "a" keeps it, given with or without the prefix.
    expect(unreferenced(idx, present, [d('a'), h('b')]).layers).toEqual([h('7')]);
  });

  it('reads names and ids from the index, and refuses a damaged one', () => {
    const idx = sample();
    expect(imageIds(idx)).toEqual([h('9'), h('c'), h('f')]);
    expect(tagsOf(idx, h('f'))).toEqual(['two:latest', 'two:v2']);
    expect(tagsOf(idx, h('9'))).toEqual([]);
    expect(checkIndex(JSON.parse(JSON.stringify(idx)))).toEqual(idx);
    expect(() => checkIndex({ version: 1, tags: {}, manifests: {} })).toThrow(/version 1/);
    expect(() => checkIndex({ version: 2, tags: {}, manifests: { nope: {} } })).toThrow(/damaged/);
    expect(() => checkIndex(null)).toThrow(/not an image index/);
  });
});

describe('image filters', () => {
  const images = [
    { id: '1', names: ['busybox:latest'], created: '2026-01-01', labels: {} },
    { id: '2', names: ['127.0.0.1:5000/app:1', 'app:1'], created: '2026-01-02', labels: { tier: 'web' } },
    { id: '3', names: [], created: '2026-01-03', labels: { tier: 'db' } },
  ];
  const ids = (specs: string[], bounds = {}) => applyImageFilters(images, parseImageFilters(specs), bounds).map((i) => i.id);

  it("matches references as Docker's path.Match does", () => {
    expect(globMatch('busy*', 'busybox')).toBe(true);
    expect(globMatch('*', '127.0.0.1:5000/app')).toBe(false);
    expect(globMatch('*/app', '127.0.0.1:5000/app')).toBe(true);
    expect(globMatch('app:[0-9]', 'app:1')).toBe(true);
    expect(matchesReference('busybox', ['busybox:latest'])).toBe(true);
    expect(matchesReference('busybox:1', ['busybox:latest'])).toBe(false);
    expect(ids(['reference=app'])).toEqual(['2']);
    expect(ids(['reference=*:1'])).toEqual(['2']);
    expect(ids(['reference=busybox', 'reference=app'])).toEqual(['1', '2']);
  });

  it('dangling, label, before and since', () => {
    expect(ids(['dangling=true'])).toEqual(['3']);
    expect(ids(['dangling=false'])).toEqual(['1', '2']);
    expect(ids(['label=tier'])).toEqual(['2', '3']);
    expect(ids(['label=tier=db'])).toEqual(['3']);
    expect(ids([], { before: '2026-01-02' })).toEqual(['1']);
    expect(ids([], { since: '2026-01-01' })).toEqual(['2', '3']);
  });

  it('refuses an unknown key, a bad value and a spec without =', () => {
    expect(() => parseImageFilters(['colour=red'])).toThrow(/Invalid filter 'colour'/);
    expect(() => parseImageFilters(['dangling=maybe'])).toThrow(/true or false/);
    expect(() => parseImageFilters(['dangling'])).toThrow(/name=value/);
  });
});

describe('--change', () => {
  it('applies each Dockerfile instruction', () => {
    const c = applyChanges({ Env: ['PATH=/bin', 'A=0'], WorkingDir: '/srv' }, [
      'CMD ["echo", "hi"]',
      'ENTRYPOINT /bin/run --fast',
      'ENV A=1 B="two words"',
      'ENV LEGACY value with spaces',
      'WORKDIR app',
      'USER 1000:1000',
      'LABEL a=b "c d"=e',
      'EXPOSE 80 53/udp 8000-8001',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
      'STOPSIGNAL SIGQUIT',
    ]);
    expect(c).toEqual({
      Cmd: ['echo', 'hi'],
      Entrypoint: ['/bin/sh', '-c', '/bin/run --fast'],
      Env: ['PATH=/bin', 'A=1', 'B=two words', 'LEGACY=value with spaces'],
      WorkingDir: '/srv/app',
      User: '1000:1000',
      Labels: { a: 'b', 'c d': 'e' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} },
      Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
      StopSignal: 'SIGQUIT',
    });
  });

  it('leaves the given config alone and shell-form CMD runs through /bin/sh -c', () => {
    const base = { Cmd: ['sh'] };
    expect(applyChanges(base, ['cmd echo $HOME']).Cmd).toEqual(['/bin/sh', '-c', 'echo $HOME']);
    expect(base).toEqual({ Cmd: ['sh'] });
  });

  it.each([
    ['FROM busybox', /not a valid change command/],
    ['RUN true', /not a valid change command/],
    ['EXPOSE 70000', /Invalid port/],
    ['EXPOSE 90-80', /Invalid port/],
    ['VOLUME data', /not an absolute path/],
    ['ENV =x', /KEY=VALUE/],
    ['USER', /needs a user/],
    ['STOPSIGNAL kill now', /Invalid STOPSIGNAL/],
    ['', /empty --change/],
  ])('refuses %j', (change, message) => {
    expect(() => applyChanges({}, [change])).toThrow(message);
  });

  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a=1 b="x y" c='z' d=e\\ f ""`)).toEqual(['a=1', 'b=x y', 'c=z', 'd=e f', '']);
    expect(() => splitWords('a="open')).toThrow(/Unmatched quote/);
  });
});

describe('image subcommands', () => {
  it('parse each subcommand with its own flags', () => {
    expect(parseSubcommand('rm', ['-f', 'a', 'b'])).toEqual({ impl: 'removeImages', args: expect.objectContaining({ force: true, images: ['a', 'b'] }) });
    expect(parseSubcommand('inspect', ['-f', '{{.Id}}', 'a'])).toEqual({
      impl: 'inspectImages',
      args: expect.objectContaining({ format: '{{.Id}}', images: ['a'] }),
    });
    expect(parseSubcommand('ls', ['--no-trunc', '-q', '--filter', 'dangling=true', 'busybox']).args).toEqual(
      expect.objectContaining({ trunc: false, quiet: true, filter: ['dangling=true'], reference: 'busybox' }),
    );
    expect(parseSubcommand('list', []).impl).toBe('listImages');
    expect(parseSubcommand('import', ['-c', 'CMD ["x"]', '-c', 'ENV A=1', 'f.tar', 'n']).args).toEqual(
      expect.objectContaining({ change: ['CMD ["x"]', 'ENV A=1'], file: 'f.tar', reference: 'n' }),
    );
  });

  it('refuse unknown flags, missing arguments and unknown subcommands', () => {
    expect(() => parseSubcommand('rm', [])).toThrow(/needs images/);
    expect(() => parseSubcommand('rm', ['--bogus', 'a'])).toThrow(/Unknown flag "--bogus"/);
    expect(() => parseSubcommand('history', ['a', 'b'])).toThrow(/at most 1 argument/);
    expect(() => parseSubcommand('frob', [])).toThrow(/Unknown image command "frob"/);
    expect(() => parseSubcommand('load', [])).toThrow(/needs -i FILE/);
  });
});
