import { nextRestartDelay, parseRestartPolicy, restartsAtBoot, shouldRestart } from '../restart-policy';

describe('parseRestartPolicy', () => {
  it("reads Docker's forms", () => {
    expect(parseRestartPolicy(undefined)).toEqual({ name: 'no', maximumRetryCount: 0 });
    expect(parseRestartPolicy('no')).toEqual({ name: 'no', maximumRetryCount: 0 });
    expect(parseRestartPolicy('always')).toEqual({ name: 'always', maximumRetryCount: 0 });
    expect(parseRestartPolicy('unless-stopped')).toEqual({ name: 'unless-stopped', maximumRetryCount: 0 });
    expect(parseRestartPolicy('on-failure')).toEqual({ name: 'on-failure', maximumRetryCount: 0 });
    expect(parseRestartPolicy('on-failure:5')).toEqual({ name: 'on-failure', maximumRetryCount: 5 });
  });

  it('refuses what Docker refuses, with its sentences (exit 125)', () => {
    expect(() => parseRestartPolicy('sometimes')).toThrow(/unknown policy 'sometimes'/);
    expect(() => parseRestartPolicy(':3')).toThrow(/no policy provided before colon/);
    expect(() => parseRestartPolicy('on-failure:x')).toThrow(/must be an integer/);
    expect(() => parseRestartPolicy('on-failure:-1')).toThrow(/cannot be negative/);
    expect(() => parseRestartPolicy('always:2')).toThrow(/only be used with 'on-failure'/);
    try {
      parseRestartPolicy('x');
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(125);
    }
  });
});

describe('nextRestartDelay (Docker back-off)', () => {
  it('starts at 100 ms and doubles up to a minute', () => {
    const delays: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 12; i++) delays.push((d = nextRestartDelay(d, 50)));
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 800, 1600]);
    expect(delays.at(-1)).toBe(60_000);
  });

  it('starts over once a run lasted 10 s', () => {
    expect(nextRestartDelay(6400, 10_000)).toBe(100);
    expect(nextRestartDelay(6400, 9_999)).toBe(12_800);
  });
});

describe('shouldRestart', () => {
  const end = { exitCode: 1, cancelled: false, manuallyStopped: false, restartCount: 0 };
  it('no never, always always (unless the run was stopped), unless-stopped unless stopped by hand', () => {
    expect(shouldRestart(parseRestartPolicy('no'), end)).toBe(false);
    expect(shouldRestart(parseRestartPolicy('always'), { ...end, exitCode: 0 })).toBe(true);
    expect(shouldRestart(parseRestartPolicy('always'), { ...end, manuallyStopped: true })).toBe(true);
    expect(shouldRestart(parseRestartPolicy('always'), { ...end, cancelled: true })).toBe(false);
    expect(shouldRestart(parseRestartPolicy('unless-stopped'), end)).toBe(true);
    expect(shouldRestart(parseRestartPolicy('unless-stopped'), { ...end, manuallyStopped: true })).toBe(false);
  });

  it('on-failure: only a failure, and at most N times', () => {
    const p = parseRestartPolicy('on-failure:3');
    expect(shouldRestart(p, { ...end, exitCode: 0 })).toBe(false);
    expect([0, 1, 2, 3].map((restartCount) => shouldRestart(p, { ...end, restartCount }))).toEqual([true, true, true, false]);
    expect(shouldRestart(parseRestartPolicy('on-failure'), { ...end, restartCount: 1000 })).toBe(true);
    expect(shouldRestart(p, { ...end, exitCode: -1 })).toBe(true);
  });

  it('at boot: always even after a stop by hand, unless-stopped not', () => {
    expect(restartsAtBoot(parseRestartPolicy('always'), { exitCode: 137, manuallyStopped: true, restartCount: 0 })).toBe(true);
    expect(restartsAtBoot(parseRestartPolicy('unless-stopped'), { exitCode: 137, manuallyStopped: true, restartCount: 0 })).toBe(false);
    expect(restartsAtBoot(parseRestartPolicy('on-failure:2'), { exitCode: 1, manuallyStopped: false, restartCount: 2 })).toBe(false);
  });
});
