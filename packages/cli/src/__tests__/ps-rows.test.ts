import { type ContainerRecord } from '@mydocker/core';
import { baseInspect } from '../inspect/container-inspect';
import { formatItems } from '../output-format';
import { dockerStatusText, ellipsis, humanDuration, PS_DEFAULT_TABLE, PS_HEADERS, portsText, psRow } from '../ps-rows';
import { recordFixture } from './record-fixture';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');

function record(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return recordFixture({ startedAt: '2026-11-30T11:59:57.000Z', ...overrides });
}

describe("ps in Docker's words", () => {
  test("humanDuration is Docker's units.HumanDuration", () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(2 * 60_000 + 5000)).toBe('2 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanDuration(21 * 86_400_000)).toBe('3 weeks');
    expect(humanDuration(90 * 86_400_000)).toBe('3 months');
    expect(humanDuration(800 * 86_400_000)).toBe('2 years');
  });

  test('STATUS: Up, Exited (code) ago, Created, Dead', () => {
    expect(dockerStatusText(record(), NOW)).toBe('Up 3 seconds');
    expect(dockerStatusText(record({ status: 'stopped', exitCode: 0, finishedAt: '2026-11-30T11:58:00.000Z' }), NOW)).toBe('Exited (0) 2 minutes ago');
    expect(dockerStatusText(record({ status: 'stopped', exitCode: -1, finishedAt: '2026-11-30T11:58:00.000Z' }), NOW)).toBe('Exited (-1) 2 minutes ago');
    expect(dockerStatusText(record({ status: 'created' }), NOW)).toBe('Created');
    expect(dockerStatusText(record({ status: 'unknown', damaged: true }), NOW)).toBe('Dead');
  });

  test('COMMAND is quoted and cut at 20 characters with an ellipsis', () => {
    expect(ellipsis('sh -c while true; do sleep 1; done', 20)).toBe('sh -c while true; d…');
    const row = psRow(record({ command: ['sh', '-c', 'while true; do sleep 1; done'] }), baseInspect(record()), NOW, false);
    expect(row.Command).toBe('"sh -c while true; d…"');
    expect(psRow(record({ command: ['sh', '-c', 'while true; do sleep 1; done'] }), baseInspect(record()), NOW, true).Command).toBe(
      '"sh -c while true; do sleep 1; done"',
    );
  });

  test('a container the cgroups plugin reports paused is "Up ... (Paused)" in state paused', () => {
    const view = baseInspect(record());
    view.State.Status = 'paused';
    view.State.Paused = true;
    const row = psRow(record(), view, NOW, false);
    expect([row.State, row.Status]).toEqual(['paused', 'Up 3 seconds (Paused)']);
  });

  test('PORTS as Docker prints them', () => {
    expect(portsText({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '5353' }] })).toBe(
      '127.0.0.1:8080->80/tcp, 0.0.0.0:5353->53/udp',
    );
    expect(portsText({})).toBe('');
  });

  test('the default table: Docker columns, short id, CREATED as "... ago"', () => {
    const out = formatItems(PS_DEFAULT_TABLE, [psRow(record(), baseInspect(record()), NOW, false)], PS_HEADERS);
    expect(out).toBe(
      'CONTAINER ID   IMAGE     COMMAND      CREATED         STATUS         PORTS   NAMES\n' +
        '83a4c96c8392   busybox   "/bin/top"   3 seconds ago   Up 3 seconds           test\n',
    );
  });

  test('an empty table still prints its header', () => {
    expect(formatItems(PS_DEFAULT_TABLE, [], PS_HEADERS)).toBe('CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES\n');
  });

  test('{{json .}} has the fields Docker prints, and no Label method', () => {
    const row = psRow(record(), baseInspect(record()), NOW, false);
    expect(JSON.parse(formatItems('{{json .}}', [row]))).toEqual({
      ID: '83a4c96c8392',
      Image: 'busybox',
      Command: '"/bin/top"',
      CreatedAt: '2026-11-30 11:59:57 +0000 UTC',
      RunningFor: '3 seconds ago',
      Ports: '',
      State: 'running',
      Status: 'Up 3 seconds',
      Size: '',
      Names: 'test',
      Labels: '',
      Mounts: '',
      Networks: '',
      LocalVolumes: '0',
    });
    expect(formatItems('json', [row])).toBe(formatItems('{{json .}}', [row]));
    expect(Object.keys(JSON.parse(formatItems('json', [row])))).toEqual([
      'Command',
      'CreatedAt',
      'ID',
      'Image',
      'Labels',
      'LocalVolumes',
      'Mounts',
      'Names',
      'Networks',
      'Ports',
      'RunningFor',
      'Size',
      'State',
      'Status',
    ]);
    expect(formatItems('{{.Label "none"}}|{{.Names}}', [row])).toBe('|test\n');
  });

  test('table headers follow the fields, literal \\t separates columns', () => {
    const row = psRow(record(), baseInspect(record()), NOW, false);
    expect(formatItems('table {{.Names}}\\t{{.Status}}', [row], PS_HEADERS)).toBe('NAMES   STATUS\ntest    Up 3 seconds\n');
  });
});
