import { makeEvent, MydockerError, UsageError } from '@mydocker/core';
import { eventMatches, parseEventFilters } from '../events/filter';
import { eventLine, eventTemplateView } from '../events/line';
import { formatItems } from '../output-format';

const at = 1_796_040_000_123_456_768n; // 2026-11-30T12:00:00.123456768Z
const die = makeEvent(
  { type: 'container', action: 'die', id: 'a'.repeat(64), attributes: { name: 'web', image: 'busybox', exitCode: '0', tier: 'front' } },
  at,
);
const exec = makeEvent({ type: 'container', action: 'exec_create: sh -c true', id: 'b'.repeat(64), attributes: { name: 'db', image: 'alpine:3' } }, at);
const net = makeEvent({ type: 'network', action: 'connect', id: 'c'.repeat(64), attributes: { name: 'front', container: 'a'.repeat(64), type: 'bridge' } }, at);

describe('events', () => {
  it("prints Docker's line: RFC 3339 with nanoseconds, type, action, id, sorted attributes", () => {
    expect(eventLine(die)).toBe(`2026-11-30T12:00:00.123456768Z container die ${'a'.repeat(64)} (exitCode=0, image=busybox, name=web, tier=front)`);
    expect(eventLine(makeEvent({ type: 'volume', action: 'create', id: 'v' }, at))).toBe('2026-11-30T12:00:00.123456768Z volume create v');
  });

  it('filters: one key any value, all keys together; event= matches exec_create: CMD; names and id prefixes', () => {
    const f = (...v: string[]) => parseEventFilters(v);
    expect(eventMatches(die, f('container=web'))).toBe(true);
    expect(eventMatches(die, f('container=aaaa'))).toBe(true);
    expect(eventMatches(die, f('container=db'))).toBe(false);
    expect(eventMatches(die, f('container=db', 'container=web'))).toBe(true);
    expect(eventMatches(die, f('container=web', 'event=start'))).toBe(false);
    expect(eventMatches(exec, f('event=exec_create'))).toBe(true);
    expect(eventMatches(exec, f('event=exec'))).toBe(false);
    expect(eventMatches(die, f('image=busybox:latest'))).toBe(true);
    expect(eventMatches(exec, f('image=alpine'))).toBe(false);
    expect(eventMatches(die, f('label=tier'))).toBe(true);
    expect(eventMatches(die, f('label=tier=back'))).toBe(false);
    expect(eventMatches(net, f('network=front', 'type=network'))).toBe(true);
    expect(eventMatches(die, f('network=front'))).toBe(false);
    expect(eventMatches(net, f('container=web'))).toBe(false);
  });

  it('refuses a filter without = (125) and an unknown key (1)', () => {
    expect(() => parseEventFilters(['nokey'])).toThrow(UsageError);
    let err: unknown;
    try {
      parseEventFilters(['colour=red']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MydockerError);
    expect((err as MydockerError).exitCode).toBe(1);
  });

  it("templates see Docker's Go field names", () => {
    expect(formatItems('{{.Type}} {{.Status}} {{.Actor.Attributes.exitCode}} {{.Time}}', [eventTemplateView(die)])).toBe('container die 0 1796040000\n');
  });
});
