import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_LINE_MAX, EventJournal, eventLine, makeEvent, parseLines, type EngineEvent } from '../events';
import { containerEventAttributes, signalNumber } from '../event-taps';
import { emptyRunSpec } from '../model';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mydocker-events-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('events', () => {
  it("makes Docker's message shape, with the legacy fields for containers", () => {
    const e = makeEvent(
      { type: 'container', action: 'die', id: 'abc', attributes: { name: 'web', image: 'busybox', exitCode: '3', gone: undefined } },
      1_700_000_000_123_456_789n,
    );
    expect(e).toEqual({
      status: 'die',
      id: 'abc',
      from: 'busybox',
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'abc', Attributes: { name: 'web', image: 'busybox', exitCode: '3' } },
      scope: 'local',
      time: 1_700_000_000,
      timeNano: 1_700_000_000_123_456_789,
    });
    expect(makeEvent({ type: 'network', action: 'create', id: 'n1' })).not.toHaveProperty('status');
  });

  it('keeps every line under the single-write bound by dropping the longest attributes', () => {
    const e = makeEvent({ type: 'container', action: 'start', id: 'x', attributes: { name: 'n', big: 'y'.repeat(10_000) } });
    const line = eventLine(e);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(EVENT_LINE_MAX);
    expect(JSON.parse(line).Actor.Attributes).toEqual({ name: 'n' });
  });

  it('skips torn lines', () => {
    const good = eventLine(makeEvent({ type: 'volume', action: 'create', id: 'v' }));
    expect(parseLines(`{"Type":"conta\n${good}not json\n`)).toHaveLength(1);
  });

  it('appends, rotates past its bound keeping one older file, and reads oldest first', async () => {
    const journal = new EventJournal(dir, 2000);
    for (let i = 0; i < 30; i++) await journal.append(makeEvent({ type: 'volume', action: 'create', id: `v${i}` }));
    const ids = journal.readAll().map((e) => e.Actor.ID);
    expect(ids[ids.length - 1]).toBe('v29');
    expect(ids.length).toBeLessThan(30);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  });

  it('keeps lines whole when processes append at once', () => {
    const script = `const {EventJournal,makeEvent}=require(${JSON.stringify(join(__dirname, '..', 'events'))});
      (async()=>{const j=new EventJournal(process.argv[1]);for(let i=0;i<200;i++)await j.append(makeEvent({type:'container',action:'start',id:process.argv[2]+'-'+i,attributes:{pad:'p'.repeat(1500)}}));})();`;
    // Child processes use the compiled dist (built before the tests run).
    const dist = join(__dirname, '..', '..', 'dist', 'events.js');
    const child = script.replace(JSON.stringify(join(__dirname, '..', 'events')), JSON.stringify(dist));
    execFileSync('bash', ['-c', `for t in a b c d; do node -e '${child.replace(/'/g, "'\\''")}' ${dir} $t & done; wait`]);
    const events = new EventJournal(dir).readAll();
    expect(events).toHaveLength(800);
    for (const t of ['a', 'b', 'c', 'd']) expect(events.filter((e) => e.Actor.ID.startsWith(`${t}-`))).toHaveLength(200);
  });

  it('follows what is appended after it started, across a rotation', async () => {
    const journal = new EventJournal(dir, 3000);
    await journal.append(makeEvent({ type: 'volume', action: 'create', id: 'before' }));
    const seen: EngineEvent[] = [];
    const stop = journal.follow((e) => seen.push(e), 10);
    const writer = new EventJournal(dir, 3000);
    // Exactly one rotation while following (two between polls would hide the middle file's events).
    const count = Math.floor(3000 / eventLine(makeEvent({ type: 'volume', action: 'create', id: 'v00' })).length) + 5;
    for (let i = 0; i < count; i++) await writer.append(makeEvent({ type: 'volume', action: 'create', id: `v${i}` }));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (seen.some((e) => e.Actor.ID === `v${count - 1}`)) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    stop();
    expect(seen.map((e) => e.Actor.ID)).not.toContain('before');
    expect(seen.map((e) => e.Actor.ID)).toEqual(Array.from({ length: count }, (_, i) => `v${i}`));
    expect(new EventJournal(dir).readAll().length).toBe(count + 1);
  });

  it("names signals by number and gives a container's name, image and labels", () => {
    expect(signalNumber('SIGTERM')).toBe('15');
    expect(signalNumber(9)).toBe('9');
    const spec = { ...emptyRunSpec({ image: 'busybox' }), labels: ['a=1', 'b'] };
    const record = { id: 'i', name: 'web', image: 'busybox', spec } as never;
    expect(containerEventAttributes(record, { exitCode: '0' })).toEqual({ a: '1', b: '', image: 'busybox', name: 'web', exitCode: '0' });
  });
});
