import { filterPs, tabwrite } from '../commands/top';

describe('top', () => {
  const ps = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 12:00 ?        00:00:01 /sbin/init splash',
    'root         42       1  0 12:01 ?        00:00:00 sleep 600',
    '',
  ].join('\n');

  it('keeps the header and only member rows; the last column keeps its spaces', () => {
    expect(filterPs(ps, new Set([42]))).toEqual({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      rows: [['root', '42', '1', '0', '12:01', '?', '00:00:00', 'sleep 600']],
    });
  });

  it('an output without a PID column is an error, as in Docker', () => {
    expect(() => filterPs('COMMAND\nsleep\n', new Set([1]))).toThrow("Couldn't find PID field in ps output.");
  });

  it("pads like Docker's tabwriter: at least 20, else 3 past the widest, the last cell bare", () => {
    expect(
      tabwrite([
        ['PID', 'COMMAND'],
        ['1', 'sleep 1'],
      ]),
    ).toBe(`${'PID'.padEnd(20)}COMMAND\n${'1'.padEnd(20)}sleep 1\n`);
    const wide = 'x'.repeat(25);
    expect(
      tabwrite([
        ['A', 'B'],
        [wide, 'c'],
      ]),
    ).toBe(`${'A'.padEnd(28)}B\n${wide}   c\n`);
  });
});
