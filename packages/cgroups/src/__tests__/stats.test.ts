import { emptyRunSpec, type ContainerRecord } from '@mydocker/core';
import { formatTable } from '@mydocker/core';
import { formatBytes, formatPercent, goG, humanSize } from '../format';
import { formatStats, parseNetDev, statsEntry, type Sample } from '../stats';
import { sumBlkio } from '../v1/blkio';
import { sumIoStat } from '../v2/io';

function record(status: ContainerRecord['status']): ContainerRecord {
  return {
    id: '0123456789abcdef'.repeat(4),
    name: 'web',
    image: 'busybox',
    command: ['sh'],
    createdAt: new Date(0).toISOString(),
    status,
    env: [],
    hostname: 'web',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec(),
    ext: {},
  };
}

describe('formatting', () => {
  it('prints sizes as docker stats does', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(1000)).toBe('1000B');
    expect(formatBytes(1425408)).toBe('1.359MiB');
    expect(formatBytes(50 * 1024 ** 2)).toBe('50MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5GiB');
    expect(formatPercent(12.345)).toBe('12.35%');
    expect(formatPercent(NaN)).toBe('0.00%');
  });

  it("prints NET I/O and BLOCK I/O sizes as Docker's HumanSizeWithPrecision(3): decimal, Go's %.3g", () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(648)).toBe('648B');
    expect(humanSize(1234)).toBe('1.23kB');
    expect(humanSize(1000)).toBe('1kB');
    expect(humanSize(12_345_678)).toBe('12.3MB');
    expect(humanSize(999_500)).toBe('1e+03kB');
    expect(goG(0.5, 3)).toBe('0.5');
    expect(goG(123.456, 3)).toBe('123');
    expect(goG(0.00001234, 3)).toBe('1.23e-05');
  });

  it('pads columns three spaces apart', () => {
    expect(
      formatTable([
        ['A', 'BB', 'C'],
        ['long', 'x', 'y'],
      ]),
    ).toBe('A      BB   C\nlong   x    y\n');
  });
});

describe('statsEntry', () => {
  const before: Sample = { at: 1e9, stats: { cpuUsageNs: 2e9 } };
  const after: Sample = {
    at: 2e9,
    stats: { cpuUsageNs: 2.5e9, memoryUsage: 5 * 1024 ** 2, memoryLimit: 50 * 1024 ** 2, pids: 3, blockRead: 1234, blockWrite: 12_345_678 },
    net: { rx: 648, tx: 1234 },
  };

  it("computes CPU % over the interval, memory against the limit, and Docker's other columns", () => {
    expect(statsEntry(record('running'), before, after, { hostMemory: 8 * 1024 ** 3 })).toEqual({
      BlockIO: '1.23kB / 12.3MB',
      CPUPerc: '50.00%',
      Container: '0123456789ab',
      ID: '0123456789ab',
      MemPerc: '10.00%',
      MemUsage: '5MiB / 50MiB',
      Name: 'web',
      NetIO: '648B / 1.23kB',
      PIDs: '3',
    });
  });

  it('keeps the name as typed for .Container, and the whole id with --no-trunc', () => {
    const e = statsEntry(record('running'), before, after, { container: 'web', noTrunc: true });
    expect(e.Container).toBe('web');
    expect(e.ID).toBe('0123456789abcdef'.repeat(4));
  });

  it('uses host memory when the cgroup is unlimited', () => {
    const unlimited: Sample = { at: 2e9, stats: { memoryUsage: 1024 ** 3 } };
    expect(statsEntry(record('running'), undefined, unlimited, { hostMemory: 4 * 1024 ** 3 })).toMatchObject({
      CPUPerc: '0.00%',
      MemUsage: '1GiB / 4GiB',
      MemPerc: '25.00%',
      PIDs: '0',
    });
  });

  it('shows zeros for a stopped container', () => {
    expect(statsEntry(record('stopped'), undefined, { at: 1, stats: {} })).toMatchObject({
      CPUPerc: '0.00%',
      MemUsage: '0B / 0B',
      MemPerc: '0.00%',
      NetIO: '0B / 0B',
      BlockIO: '0B / 0B',
      PIDs: '0',
    });
  });
});

describe('formatStats', () => {
  const entry = statsEntry(record('running'), undefined, { at: 1, stats: { memoryUsage: 1024, memoryLimit: 2048, pids: 1 } }, { container: 'web' });

  it("prints Docker's default table with its eight columns", () => {
    const [header, row] = formatStats(undefined, [entry]).trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS']);
    expect(row.split(/\s{2,}/)).toEqual(['0123456789ab', 'web', '0.00%', '1KiB / 2KiB', '50.00%', '0B / 0B', '0B / 0B', '1']);
    expect(formatStats('table', [entry])).toBe(formatStats(undefined, [entry]));
  });

  it('names the columns of a table template after its placeholders, \\t typed in quotes included', () => {
    expect(formatStats('table {{.Container}}\\t{{.CPUPerc}}', [entry])).toBe('CONTAINER   CPU %\nweb         0.00%\n');
  });

  it('prints a plain template once per container, and json as one object a line', () => {
    expect(formatStats('{{.Name}}: {{.MemPerc}}', [entry, entry])).toBe('web: 50.00%\nweb: 50.00%\n');
    expect(JSON.parse(formatStats('json', [entry]))).toEqual(entry);
    expect(formatStats('{{json .}}', [entry])).toBe(`${JSON.stringify(entry)}\n`);
  });

  it('refuses a template that does not parse', () => {
    expect(() => formatStats('{{.Name', [])).toThrow(/template/);
  });
});

describe('counters', () => {
  it('sums /proc/PID/net/dev without loopback', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:  999999      10    0    0    0     0          0         0   999999      10    0    0    0     0       0          0',
      '  eth0:    1500      12    0    0    0     0          0         0      648       8    0    0    0     0       0          0',
      '  eth1:     500       2    0    0    0     0          0         0      352       3    0    0    0     0       0          0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual({ rx: 2000, tx: 1000 });
  });

  it('sums v1 blkio and v2 io.stat bytes', () => {
    expect(sumBlkio('8:0 Read 4096\n8:0 Write 1024\n8:0 Sync 5120\n8:16 Read 4\nTotal 5124')).toEqual({ blockRead: 4100, blockWrite: 1024 });
    expect(sumIoStat('8:0 rbytes=4096 wbytes=1024 rios=1 wios=1\n8:16 rbytes=4 wbytes=0')).toEqual({ blockRead: 4100, blockWrite: 1024 });
  });
});
