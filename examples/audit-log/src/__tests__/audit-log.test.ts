import 'reflect-metadata';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRunSpec, UsageError, type RunSpec } from '@mydocker/core';
import AuditLogPlugin from '..';
import { engineWith } from './fakes';

let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'audit-log-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = (name: string, flags: Record<string, string> = {}, labels: string[] = []): RunSpec =>
  emptyRunSpec({ name, image: 'busybox', command: ['sh'], detach: true, labels, flags: { 'audit-log': flags } });
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('mydocker-audit-log', () => {
  it('declares --audit-log for run and create, and refuses a relative path when parsed', () => {
    const { bus } = engineWith(AuditLogPlugin);
    expect(bus.flags.find('audit-log')).toMatchObject({ owner: 'audit-log', type: 'string' });
    expect(bus.flags.list('create').map((f) => f.name)).toContain('audit-log');
    expect(() => bus.flags.collect({ 'audit-log': 'audit.jsonl' }, 'run')).toThrow(
      new UsageError('The --audit-log flag needs an absolute path, not "audit.jsonl".'),
    );
    expect(() => bus.flags.collect({ 'audit-log': '' }, 'run')).toThrow('The --audit-log flag needs a non-empty value.');
    expect(bus.flags.collect({ 'audit-log': '/var/log/a.jsonl' }, 'run')).toEqual({ 'audit-log': { 'audit-log': '/var/log/a.jsonl' } });
  });

  it('writes create, start, die (with the exit code) and destroy with the labels, at the injected clock', async () => {
    const { engine } = engineWith(AuditLogPlugin);
    const file = join(dir, 'audit.jsonl');
    const { record } = await engine.run(spec('web', { 'audit-log': file }, ['owner=ops', 'ticket=42']));
    await engine.stop('web', { timeoutSeconds: 0 });
    await engine.remove('web', { force: false, volumes: false });
    const got = lines(file);
    expect(got.map((l) => l.action)).toEqual(['create', 'start', 'die', 'destroy']);
    for (const l of got)
      expect(l).toMatchObject({ id: record.id, name: 'web', image: 'busybox', labels: ['owner=ops', 'ticket=42'], time: '2026-03-04T05:06:07.000Z' });
    expect(got[1].pid).toBe(4242);
    expect(got[2].exitCode).toBe(143);
    expect(got[0]).not.toHaveProperty('pid');
  });

  it('a container made by create and removed unstarted has no die line', async () => {
    const { engine } = engineWith(AuditLogPlugin);
    const file = join(dir, 'created.jsonl');
    await engine.create(spec('idle', { 'audit-log': file }));
    await engine.remove('idle', { force: false, volumes: false });
    expect(lines(file).map((l) => l.action)).toEqual(['create', 'destroy']);
  });

  it('a run that fails after create is written as failed, with the reason, after its undo steps', async () => {
    const { engine, records } = engineWith(AuditLogPlugin, { failStart: new Error('exec format error') });
    const file = join(dir, 'failed.jsonl');
    await expect(engine.run(spec('bad', { 'audit-log': file }))).rejects.toThrow('exec format error');
    expect(records.size).toBe(0);
    expect(lines(file).map((l) => [l.action, l.error])).toEqual([
      ['create', undefined],
      ['failed', 'exec format error'],
    ]);
  });

  it('refuses a log in a missing folder or one that is not a regular file before anything is made', async () => {
    const { engine, records } = engineWith(AuditLogPlugin);
    const missing = join(dir, 'no/such/a.jsonl');
    await expect(engine.run(spec('x', { 'audit-log': missing }))).rejects.toThrow(/^The folder of the audit log .* cannot be written \(ENOENT\)\.$/);
    mkdirSync(join(dir, 'a-dir'));
    await expect(engine.run(spec('y', { 'audit-log': join(dir, 'a-dir') }))).rejects.toThrow(`The audit log ${join(dir, 'a-dir')} is not a regular file.`);
    expect(records.size).toBe(0);
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(dir)).toEqual(['a-dir']);
  });

  it('writes nothing for a container without the flag', async () => {
    const { engine } = engineWith(AuditLogPlugin);
    await engine.run(spec('plain'));
    await engine.remove('plain', { force: true, volumes: false });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a log that cannot be written later is one warning, and stop and rm still work', async () => {
    const warnings: string[] = [];
    class Warned extends AuditLogPlugin {
      override warn = (m: string) => void warnings.push(m);
    }
    const { engine, records } = engineWith(Warned);
    const file = join(dir, 'gone.jsonl');
    await engine.run(spec('w', { 'audit-log': file }));
    rmSync(file);
    mkdirSync(file); // The path is now a directory: opening it for append fails (EISDIR).
    await engine.remove('w', { force: true, volumes: false });
    expect(records.size).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(/^mydocker: warning: the audit log .*gone\.jsonl was not written \(EISDIR.*\)\.$/),
      expect.stringMatching(/^mydocker: warning: the audit log .*gone\.jsonl was not written \(EISDIR.*\)\.$/),
    ]);
  });
});
