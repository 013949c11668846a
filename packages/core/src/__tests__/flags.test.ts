import { UsageError } from '../errors';
import { FlagRegistry, flagBoolean, flagList, flagsOf, flagSpelling, flagString } from '../flags';

/** The flag contract: declarations own their spellings, values are parsed per owner and checked once. */
describe('FlagRegistry.declare', () => {
  it('refuses a second owner of any spelling (name, alias or seed) and keeps the first declaration whole', () => {
    const flags = new FlagRegistry();
    flags.declare('cgroups', { name: 'memory', alias: ['m'], seed: ['-mem'], type: 'string', describe: 'Memory limit' });
    expect(() => flags.declare('other', { name: 'memory', type: 'string', describe: 'x' })).toThrow(
      'The flag "memory" is declared twice (by cgroups and by other).',
    );
    expect(() => flags.declare('other', { name: 'mem2', seed: ['-mem'], type: 'string', describe: 'x' })).toThrow(/"-mem" is declared twice/);
    // A name that is another flag's alias is the same spelling on the command line.
    expect(() => flags.declare('other', { name: 'm', type: 'boolean', describe: 'x' })).toThrow(/"m" is declared twice \(by cgroups and by other\)/);
    expect(flags.list().map((f) => [f.owner, f.name])).toEqual([['cgroups', 'memory']]);
    expect(flags.find('mem2')).toBeUndefined();
  });

  it('a refused declaration registers none of its spellings, so a later good one can take them', () => {
    const flags = new FlagRegistry();
    flags.declare('a', { name: 'x', type: 'string', describe: 'x' });
    expect(() => flags.declare('b', { name: 'fresh', alias: ['x'], type: 'string', describe: 'y' })).toThrow(/"x" is declared twice/);
    flags.declare('c', { name: 'fresh', type: 'string', describe: 'z' });
    expect(flags.find('fresh')?.owner).toBe('c');
  });

  it('lists per command in declaration order; no `commands` means both', () => {
    const flags = new FlagRegistry();
    flags.declare('p', { name: 'both', type: 'boolean', describe: '' }, { name: 'run-only', type: 'boolean', describe: '', commands: ['run'] });
    flags.declare('q', { name: 'create-only', type: 'boolean', describe: '', commands: ['create'] });
    expect(flags.list('run').map((f) => f.name)).toEqual(['both', 'run-only']);
    expect(flags.list('create').map((f) => f.name)).toEqual(['both', 'create-only']);
    expect(flags.list().map((f) => f.name)).toEqual(['both', 'run-only', 'create-only']);
  });
});

describe('FlagRegistry.collect', () => {
  const registry = () => {
    const flags = new FlagRegistry();
    flags.declare(
      'network',
      { name: 'publish', alias: ['p'], type: 'array', describe: '' },
      { name: 'network', type: 'string', describe: '', nonEmpty: true },
      { name: 'publish-all', alias: ['P'], type: 'boolean', describe: '' },
    );
    flags.declare('cgroups', {
      name: 'memory',
      type: 'string',
      describe: '',
      validate: (v) => (/^\d+[kmg]?$/.test(String(v)) ? undefined : `Invalid memory "${String(v)}".`),
    });
    flags.declare('cli', { name: 'name', type: 'string', describe: '' });
    flags.declare('later', { name: 'only-create', type: 'string', describe: '', commands: ['create'] });
    return flags;
  };

  it('groups the given values by owner, typed as declared, and leaves out what was not given', () => {
    const got = registry().collect({ publish: '80:80', network: 7, 'publish-all': 1, memory: '64m', name: 'web', other: 'x' }, 'run', 'cli');
    expect(got).toEqual({ network: { publish: ['80:80'], network: '7', 'publish-all': true }, cgroups: { memory: '64m' } });
  });

  it('keeps every repetition of an array flag in order, and an empty one counts as not given', () => {
    expect(registry().collect({ publish: ['1:1', 2] }, 'run')).toEqual({ network: { publish: ['1:1', '2'] } });
    expect(registry().collect({ publish: [] }, 'run')).toEqual({});
  });

  it('refuses an empty value of a nonEmpty flag, and a value its validate refuses, with one sentence', () => {
    expect(() => registry().collect({ network: '' }, 'run')).toThrow(new UsageError('The --network flag needs a non-empty value.'));
    expect(() => registry().collect({ memory: 'lots' }, 'run')).toThrow(new UsageError('Invalid memory "lots".'));
  });

  it("skips flags of another command, and the caller's own", () => {
    expect(registry().collect({ 'only-create': 'v' }, 'run')).toEqual({});
    expect(registry().collect({ 'only-create': 'v' }, 'create')).toEqual({ later: { 'only-create': 'v' } });
    expect(registry().collect({ name: 'n' }, 'run', 'cli')).toEqual({});
    expect(registry().collect({ name: 'n' }, 'run')).toEqual({ cli: { name: 'n' } });
  });
});

describe('reading values back', () => {
  const spec = { flags: { network: { publish: ['a', 'b'], network: 'br0', 'publish-all': true, no: false, text: 'true' } } };

  it('flagsOf is empty for a plugin with nothing given, and for a spec without flags', () => {
    expect(flagsOf(spec, 'cgroups')).toEqual({});
    expect(flagsOf({}, 'network')).toEqual({});
  });

  it('flagString takes the last repetition, flagList wraps a single value, flagBoolean tells absent from false', () => {
    const v = flagsOf(spec, 'network');
    expect([flagString(v, 'publish'), flagString(v, 'network'), flagString(v, 'missing')]).toEqual(['b', 'br0', undefined]);
    expect([flagList(v, 'network'), flagList(v, 'publish'), flagList(v, 'missing')]).toEqual([['br0'], ['a', 'b'], []]);
    expect([flagBoolean(v, 'publish-all'), flagBoolean(v, 'no'), flagBoolean(v, 'text'), flagBoolean(v, 'missing')]).toEqual([true, false, true, undefined]);
  });

  it('flagSpelling shows the short aliases first, then the long name', () => {
    expect(flagSpelling({ name: 'memory', alias: ['m', 'mem'] })).toBe('-m/--memory');
    expect(flagSpelling({ name: 'network' })).toBe('--network');
  });
});
