import { migrateLegacyRunSpec } from '../legacy-spec';
import { emptyRunSpec, type RunSpec } from '../model';

/** The edges of reading a record written before plugins declared their flags. */
const legacy = (old: Record<string, unknown>, flags?: RunSpec['flags']): RunSpec => {
  const spec = emptyRunSpec({ name: 'old', flags }) as RunSpec & Record<string, unknown>;
  if (flags === undefined) delete spec.flags;
  return Object.assign(spec, old);
};

describe('migrateLegacyRunSpec edge cases', () => {
  it('keeps --init=false (a choice over the config default) but drops other false switches as not given', () => {
    const spec = legacy({ init: false, privileged: false, publishAll: false });
    expect(migrateLegacyRunSpec(spec)).toBe(true);
    expect(spec.flags).toEqual({ namespaces: { init: false } });
  });

  it('turns numbers into the strings the parser would have given, and empty lists into nothing', () => {
    const spec = legacy({ resources: { memory: 67108864, cpuShares: 512, pidsLimit: undefined }, publish: [], capAdd: ['NET_ADMIN'] });
    migrateLegacyRunSpec(spec);
    expect(spec.flags).toEqual({ cgroups: { memory: '67108864', 'cpu-shares': '512' }, namespaces: { 'cap-add': ['NET_ADMIN'] } });
    expect(spec).not.toHaveProperty('resources');
    expect(spec).not.toHaveProperty('publish');
  });

  it('drops a nested field that is not an object (a damaged or hand-edited record) without failing', () => {
    const spec = legacy({ resources: 'nonsense', networkOptions: null });
    expect(migrateLegacyRunSpec(spec)).toBe(true);
    expect(spec).not.toHaveProperty('resources');
    expect(spec).not.toHaveProperty('networkOptions');
    expect(spec.flags).toBeUndefined();
  });

  it('health.none becomes --no-healthcheck beside the other health flags', () => {
    const spec = legacy({ health: { none: true, retries: 3 } });
    migrateLegacyRunSpec(spec);
    expect(spec.flags).toEqual({ namespaces: { 'health-retries': '3', healthcheck: false } });
  });

  it('merges into flags already there per plugin, the stored flag winning, other plugins untouched', () => {
    const spec = legacy(
      { network: 'old-net', dns: undefined, networkOptions: { dns: ['1.1.1.1'] } },
      { network: { network: 'new-net' }, logs: { 'log-opt': ['max-size=1m'] } },
    );
    migrateLegacyRunSpec(spec);
    expect(spec.flags).toEqual({ network: { network: 'new-net', dns: ['1.1.1.1'] }, logs: { 'log-opt': ['max-size=1m'] } });
  });

  it('is idempotent: a second read finds nothing to move', () => {
    const spec = legacy({ volumes: ['/data'] });
    expect(migrateLegacyRunSpec(spec)).toBe(true);
    const once = structuredClone(spec);
    expect(migrateLegacyRunSpec(spec)).toBe(false);
    expect(spec).toEqual(once);
  });
});
