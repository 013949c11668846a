import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';
import { oneClearSentence, treeListing } from './hardening-util';

const HUGE = 'a'.repeat(10 * 1024);

/** Each case: a command that must be refused with exit 125, one sentence, and nothing changed. */
const CASES: Array<[string, string[]]> = [
  // Names that could become paths, empty and huge names, for every kind of object.
  ['run --name ../x', ['run', '--name', '../x', 'busybox', 'true']],
  ['run --name a/b', ['run', '--name', 'a/b', 'busybox', 'true']],
  ['run --name ""', ['run', '--name', '', 'busybox', 'true']],
  ['run --name .hidden', ['run', '--name', '.hidden', 'busybox', 'true']],
  ['run --name 10KB', ['run', '--name', HUGE, 'busybox', 'true']],
  ['rm ../x', ['rm', '-f', '../x']],
  ['stop a/b', ['stop', 'a/b']],
  ['kill ""', ['kill', '']],
  ['inspect ../../etc', ['inspect', '../../etc']],
  ['rm 10KB', ['rm', HUGE]],
  ['logs ../x', ['logs', '../x']],
  ['exec a/b', ['exec', 'a/b', 'true']],
  ['volume create ../x', ['volume', 'create', '../x']],
  ['volume create a/b', ['volume', 'create', 'a/b']],
  ['volume create 10KB', ['volume', 'create', HUGE]],
  ['volume rm ../x', ['volume', 'rm', '../x']],
  ['volume inspect a/b', ['volume', 'inspect', 'a/b']],
  ['network create ../x', ['network', 'create', '../x']],
  ['network create a/b', ['network', 'create', 'a/b']],
  ['network create ""', ['network', 'create', '']],
  ['network create 10KB', ['network', 'create', HUGE]],
  ['network rm ../x', ['network', 'rm', '../x']],
  ['network inspect a/b', ['network', 'inspect', 'a/b']],
  ['run image ../x', ['run', '../x', 'true']],
  ['run image 10KB', ['run', HUGE, 'true']],
  ['run unknown image', ['run', 'nosuchimage', 'true']],
  ['run unknown image tag', ['run', 'busybox:nosuchtag', 'true']],
  // Unknown flags and commands.
  ['run unknown flag', ['run', '--bogus', 'busybox', 'true']],
  ['ps unknown flag', ['ps', '--bogus']],
  ['rm unknown flag', ['rm', '--bogus', 'x']],
  ['unknown command', ['frobnicate']],
  ['system unknown action', ['system', 'frobnicate']],
  // Resource values.
  ['-m abc', ['run', '-m', 'abc', 'busybox', 'true']],
  ['-m -1', ['run', '-m', '-1', 'busybox', 'true']],
  ['-m 10KB', ['run', '-m', HUGE, 'busybox', 'true']],
  ['--cpus abc', ['run', '--cpus', 'abc', 'busybox', 'true']],
  ['--cpus -2', ['run', '--cpus', '-2', 'busybox', 'true']],
  ['--cpu-shares x', ['run', '--cpu-shares', 'x', 'busybox', 'true']],
  ['--cpuset-cpus z', ['run', '--cpuset-cpus', 'z', 'busybox', 'true']],
  ['--pids-limit x', ['run', '--pids-limit', 'x', 'busybox', 'true']],
  // Networks and ports.
  ['--subnet 999.0.0.0/8', ['network', 'create', '--subnet', '999.0.0.0/8', 'badnet']],
  ['--subnet 10.0.0.0/33', ['network', 'create', '--subnet', '10.0.0.0/33', 'badnet']],
  ['--subnet ""', ['network', 'create', '--subnet', '', 'badnet']],
  ['--net unknown', ['run', '--net', 'nosuchnet', 'busybox', 'true']],
  ['-p abc', ['run', '-p', 'abc', 'busybox', 'true']],
  ['-p 99999:80', ['run', '-p', '99999:80', 'busybox', 'true']],
  ['-p 8080:0', ['run', '-p', '8080:0', 'busybox', 'true']],
  ['-p 10KB', ['run', '-p', HUGE, 'busybox', 'true']],
  // Volumes.
  ['-v ""', ['run', '-v', '', 'busybox', 'true']],
  ['-v :/data', ['run', '-v', ':/data', 'busybox', 'true']],
  ['-v /tmp:relative', ['run', '-v', '/tmp:relative', 'busybox', 'true']],
  ['-v a:/b:c:d', ['run', '-v', 'a:/b:c:d', 'busybox', 'true']],
  ['-v vol:/data:bogus', ['run', '-v', 'vol:/data:bogus', 'busybox', 'true']],
  ['-v ../x:/data', ['run', '-v', '../x:/data', 'busybox', 'true']],
  // Log options.
  ['--log-opt bogus', ['run', '--log-opt', 'bogus', 'busybox', 'true']],
  ['--log-opt nosuch=1', ['run', '--log-opt', 'nosuch=1', 'busybox', 'true']],
  ['--log-opt max-size=abc', ['run', '--log-opt', 'max-size=abc', 'busybox', 'true']],
  ['--log-opt max-file=0', ['run', '--log-opt', 'max-file=0', 'busybox', 'true']],
  // Other values.
  ['stop -t -1', ['stop', '-t', '-1', 'x']],
  ['kill -s NOPE', ['kill', '-s', 'NOPE', 'x']],
];

describe('bad input: one clear sentence, exit 125, nothing changed', () => {
  const sandbox = new Sandbox('badin');
  let before: string[];

  beforeAll(async () => {
    // Everything a first command lays out (image store, directories) exists before the listing is taken.
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
    await sandbox.ok(['volume', 'ls']);
    await sandbox.ok(['network', 'ls']);
    before = [...treeListing(sandbox.root), ...treeListing(sandbox.runRoot)];
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it.each(CASES)('%s', async (_label, args) => {
    const r = await sandbox.run(args);
    expect({ code: r.code, stderr: r.stderr, problem: oneClearSentence(r.stderr) }).toEqual({ code: 125, stderr: r.stderr, problem: undefined });
    expect(r.stderr.length).toBeLessThan(400);
    expect([...treeListing(sandbox.root), ...treeListing(sandbox.runRoot)]).toEqual(before);
    expect(sandbox.leftovers()).toEqual([]);
  });

  it.each([['rmi'], ['image', 'inspect']])('%s of a path-like reference finds no image and exits 1, as Docker does', async (...verb) => {
    const r = await sandbox.run([...verb, '../x']);
    expect({ code: r.code, problem: oneClearSentence(r.stderr) }).toEqual({ code: 1, problem: undefined });
    expect(r.stderr).toMatch(/No such image: \.\.\/x/);
    expect([...treeListing(sandbox.root), ...treeListing(sandbox.runRoot)]).toEqual(before);
  });

  it('made nothing outside the state roots', () => {
    for (const base of [sandbox.root, sandbox.runRoot, join(sandbox.root, 'containers'), join(sandbox.root, 'volumes'), join(sandbox.root, 'networks')]) {
      expect([join(base, '..', 'x'), join(base, 'a')].filter((p) => existsSync(p))).toEqual([]);
    }
  });
});
