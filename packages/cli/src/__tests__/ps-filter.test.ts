import { UsageError, type ContainerRecord } from '@mydocker/core';
import { baseInspect } from '../inspect/container-inspect';
import { psFilter } from '../ps-filter';
import { recordFixture } from './record-fixture';

let n = 0;
function record(name: string, overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  n++;
  return recordFixture({
    id: `${n}`.padStart(4, '0') + 'a'.repeat(60),
    name,
    imageId: 'f00d'.padEnd(64, '0'),
    command: ['true'],
    createdAt: `2026-11-30T10:00:0${n}.000Z`,
    hostname: '',
    ...overrides,
  });
}

const a = record('alpha');
const b = record('beta', { status: 'stopped', exitCode: 3, image: 'mybox:1.0' });
const c = record('gamma', { status: 'created' });
const all = [a, b, c];
const names = (filters: string[]) => {
  const f = psFilter(filters, all);
  return all.filter((r) => f.test(r, baseInspect(r))).map((r) => r.name);
};

describe('ps --filter', () => {
  test('name is a regular expression, id a prefix', () => {
    expect(names(['name=a$'])).toEqual(['alpha', 'beta', 'gamma']);
    expect(names(['name=^al'])).toEqual(['alpha']);
    expect(names([`id=${b.id.slice(0, 5)}`])).toEqual(['beta']);
  });

  test("status in Docker's words (stopped is exited), exited by code; status implies all states", () => {
    expect(names(['status=exited'])).toEqual(['beta']);
    expect(names(['status=stopped'])).toEqual(['beta']);
    expect(names(['status=created', 'status=running'])).toEqual(['alpha', 'gamma']);
    expect(names(['exited=3'])).toEqual(['beta']);
    expect(names(['exited=0'])).toEqual([]);
    expect(psFilter(['status=exited'], all).impliesAll).toBe(true);
    expect(psFilter(['name=x'], all).impliesAll).toBe(false);
  });

  test('different keys must all match', () => {
    expect(names(['name=a', 'status=running'])).toEqual(['alpha']);
  });

  test('ancestor by reference, repository or image id; before/since by name or id', () => {
    expect(names(['ancestor=mybox'])).toEqual(['beta']);
    expect(names(['ancestor=busybox'])).toEqual(['alpha', 'gamma']);
    expect(names(['ancestor=sha256:f00d'])).toEqual(['alpha', 'beta', 'gamma']);
    expect(names(['before=beta'])).toEqual(['alpha']);
    expect(names([`since=${a.id.slice(0, 6)}`])).toEqual(['beta', 'gamma']);
  });

  test('network, volume and label read the inspect view', () => {
    const f = psFilter(['network=mynet'], all);
    expect(f.needsView).toBe(true);
    const view = baseInspect(a);
    view.NetworkSettings.Networks = { mynet: { NetworkID: 'abc' } };
    view.Mounts = [{ Type: 'volume', Name: 'data', Destination: '/data' }];
    view.Config.Labels = { tier: 'web' };
    expect(f.test(a, view)).toBe(true);
    expect(f.test(a, baseInspect(a))).toBe(false);
    expect(psFilter(['volume=data'], all).test(a, view)).toBe(true);
    expect(psFilter(['volume=/data'], all).test(a, view)).toBe(true);
    expect(psFilter(['label=tier'], all).test(a, view)).toBe(true);
    expect(psFilter(['label=tier=web'], all).test(a, view)).toBe(true);
    expect(psFilter(['label=tier=db'], all).test(a, view)).toBe(false);
    // Labels are ANDed, as the daemon's MatchKVList: compose asks for its project and oneoff labels at once.
    view.Config.Labels = { tier: 'web', team: 'a' };
    expect(psFilter(['label=tier=web', 'label=team=a'], all).test(a, view)).toBe(true);
    expect(psFilter(['label=tier=web', 'label=team=b'], all).test(a, view)).toBe(false);
    expect(psFilter(['name=alpha', 'name=nomatch'], all).test(a, view)).toBe(true);
    expect(psFilter(['name=x'], all).needsView).toBe(false);
  });

  test('bad filters are refused with one sentence before anything is listed', () => {
    for (const bad of ['color=red', 'status=sleeping', 'exited=x', 'name=(', 'before=nosuch']) {
      expect(() => psFilter([bad], all)).toThrow(UsageError);
    }
  });
  test('status=paused and status=running follow the inspect view, where the cgroups plugin says paused', () => {
    const pausedView = baseInspect(a);
    pausedView.State.Status = 'paused';
    pausedView.State.Paused = true;
    const paused = psFilter(['status=paused'], all);
    expect(paused.needsView).toBe(true);
    expect(paused.test(a, pausedView)).toBe(true);
    expect(paused.test(a, baseInspect(a))).toBe(false);
    const running = psFilter(['status=running'], all);
    expect(running.test(a, pausedView)).toBe(false);
    expect(running.test(a, baseInspect(a))).toBe(true);
    // Statuses a record alone answers need no view.
    expect(psFilter(['status=exited'], all).needsView).toBe(false);
  });
});

describe('ps --filter health= and restarting', () => {
  const view = (r: ContainerRecord, health?: string) => {
    const v = baseInspect(r);
    if (health) (v.State as Record<string, unknown>).Health = { Status: health, FailingStreak: 0, Log: [] };
    return v;
  };
  test('matches the health status from the inspect view, "none" without a check', () => {
    const f = psFilter(['health=unhealthy'], all);
    expect(f.needsView).toBe(true);
    expect(f.test(a, view(a, 'unhealthy'))).toBe(true);
    expect(f.test(a, view(a, 'healthy'))).toBe(false);
    expect(psFilter(['health=none'], all).test(a, view(a))).toBe(true);
    expect(() => psFilter(['health=sick'], all)).toThrow(UsageError);
  });
  test('a container waiting its restart back-off has the status "restarting"', () => {
    const r = record('looping', { status: 'stopped', exitCode: 1, restarting: true });
    expect(psFilter(['status=restarting'], [r]).test(r, baseInspect(r))).toBe(true);
    expect(baseInspect(r).State).toMatchObject({ Status: 'restarting', Restarting: true, Running: true, ExitCode: 1 });
  });
});
