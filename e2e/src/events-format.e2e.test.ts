import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';

/**
 * Docker's CLI reference examples for `events`, the `--format`/`--filter` of `network` and `volume`,
 * plain `inspect` of every kind of object, `system df` and `completion`.
 */
const sandbox = new Sandbox('evfmt');
let follower: ChildProcess | undefined;

afterAll(async () => {
  follower?.kill('SIGKILL');
  expect(await sandbox.destroy()).toEqual([]);
});

interface Event {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z (\w+) (\S+(?:: .*)?) (\S+)(?: \((.*)\))?$/;

async function pastEvents(...filters: string[]): Promise<Event[]> {
  const out = await sandbox.ok(['events', '--since', '1h', '--until', '0s', '--format', '{{json .}}', ...filters.flatMap((f) => ['--filter', f])]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
}

/** `Unix seconds.nanoseconds` of an event, as `--since` accepts it. */
function unixNano(e: Event): string {
  const ns = BigInt(e.timeNano);
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

describe('events', () => {
  it('a follower sees the lifecycle of a container run by another process, then stops on SIGINT', async () => {
    follower = spawn(MYDOCKER_BIN, ['events', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'], {
      env: sandbox.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    follower.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => follower!.on('exit', (code) => resolve(code)));
    // The follower reads from where the journal ends when it starts: events until it shows one that it is ready.
    for (let i = 0; !out.includes('volume create'); i++) {
      expect(i).toBeLessThan(200);
      await sandbox.ok(['volume', 'create', `ready${i}`]);
      await sandbox.ok(['volume', 'rm', `ready${i}`]);
    }
    await sandbox.run(['run', '--name', 'ev1', 'busybox', 'sh', '-c', 'exit 3']);
    await sandbox.ok(['rm', 'ev1']);
    await waitFor(
      () => out,
      (o) => o.includes('container destroy ev1'),
    );
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
    follower = undefined;
    const ev1 = out.split('\n').filter((l) => l.startsWith('container ') && l.endsWith(' ev1'));
    expect(ev1).toEqual(['container create ev1', 'container start ev1', 'container die ev1', 'container destroy ev1']);
  });

  it("prints Docker's plain lines for --since/--until, with relative and absolute times", async () => {
    const out = await sandbox.ok(['events', '--since', '10m', '--until', '0s', '--filter', 'container=ev1']);
    const lines = out.split('\n').filter(Boolean);
    expect(lines.map((l) => LINE.exec(l)?.[2])).toEqual(['create', 'start', 'die', 'destroy']);
    const die = LINE.exec(lines[2])!;
    expect(die[1]).toBe('container');
    expect(die[3]).toMatch(/^[0-9a-f]{64}$/);
    expect(die[4]).toBe('exitCode=3, image=busybox, name=ev1');

    const [, start] = await pastEvents('container=ev1');
    expect(start.Action).toBe('start');
    // From the start event's own time: the create before it is left out.
    const since = await sandbox.ok(['events', '--since', unixNano(start), '--until', '0s', '--filter', 'container=ev1', '--format', '{{.Action}}']);
    expect(since).toBe('start\ndie\ndestroy\n');
    const absolute = new Date(Math.floor(start.time) * 1000 - 1000).toISOString().replace('.000Z', 'Z');
    expect(await sandbox.ok(['events', '--since', absolute, '--until', '0s', '--filter', 'container=ev1', '--format', '{{.Action}}'])).toBe(
      'create\nstart\ndie\ndestroy\n',
    );
    expect(await sandbox.ok(['events', '--since', '2000-01-01', '--until', '2000-01-02T00:00:00Z'])).toBe('');
  });

  it('records kill, stop, rename and exec with their attributes', async () => {
    await sandbox.ok(['run', '-d', '--name', 'ev2', 'busybox', 'sleep', '1000']);
    expect(await sandbox.run(['exec', 'ev2', 'sh', '-c', 'exit 4'])).toMatchObject({ code: 4 });
    await sandbox.ok(['rename', 'ev2', 'ev3']);
    await sandbox.ok(['stop', '-t', '1', 'ev3']);
    await sandbox.ok(['rm', 'ev3']);
    const events = await pastEvents(
      'event=exec_create',
      'event=exec_start',
      'event=exec_die',
      'event=rename',
      'event=kill',
      'event=stop',
      'event=die',
      'event=destroy',
      'container=ev2',
      'container=ev3',
    );
    const seen = events.map((e) => `${e.Action} ${e.Actor.Attributes.name}`);
    expect(seen.slice(0, 4)).toEqual(['exec_create: sh -c exit 4 ev2', 'exec_start: sh -c exit 4 ev2', 'exec_die ev2', 'rename ev3']);
    expect(seen).toEqual(expect.arrayContaining(['kill ev3', 'die ev3', 'stop ev3', 'destroy ev3']));
    expect(seen.indexOf('kill ev3')).toBeLessThan(seen.indexOf('die ev3'));
    expect(seen.indexOf('die ev3')).toBeLessThan(seen.indexOf('stop ev3'));
    expect(events.find((e) => e.Action === 'exec_die')!.Actor.Attributes.exitCode).toBe('4');
    expect(events.find((e) => e.Action === 'rename')!.Actor.Attributes.oldName).toBe('/ev2');
    // sleep as PID 1 ignores SIGTERM: Docker's stop sends 15, then 9 after the timeout.
    expect(events.filter((e) => e.Action === 'kill').map((e) => e.Actor.Attributes.signal)).toEqual(['15', '9']);
    const execId = events[0].Actor.Attributes.execID;
    expect(execId).toMatch(/^[0-9a-f]{64}$/);
    expect(events[1].Actor.Attributes.execID).toBe(execId);
  });

  it('records network and volume events, filtered by type, network= and volume=', async () => {
    const net = `evn${sandbox.tag}`.slice(0, 12);
    const id = (await sandbox.ok(['network', 'create', '--subnet', '10.213.7.0/24', net])).trim();
    await sandbox.ok(['run', '-d', '--name', 'ev4', '--net', net, 'busybox', 'sleep', '1000']);
    await sandbox.ok(['network', 'disconnect', net, 'ev4']);
    await sandbox.ok(['rm', '-f', 'ev4']);
    await sandbox.ok(['network', 'rm', net]);
    await sandbox.ok(['volume', 'create', 'evvol']);
    await sandbox.ok(['volume', 'rm', 'evvol']);
    const nets = await pastEvents('type=network', `network=${net}`);
    // Docker's sequence: the run connects it, `network disconnect` disconnects it, so its stop disconnects nothing more.
    expect(nets.map((e) => e.Action)).toEqual(['create', 'connect', 'disconnect', 'destroy']);
    expect(nets.every((e) => e.Actor.ID === id && e.Actor.Attributes.name === net && e.Actor.Attributes.type === 'bridge')).toBe(true);
    expect(nets[1].Actor.Attributes.container).toMatch(/^[0-9a-f]{64}$/);
    expect(nets[2].Actor.Attributes.container).toBe(nets[1].Actor.Attributes.container);
    // A container that stops while on a network leaves it: disconnect.
    await sandbox.ok(['network', 'create', '--subnet', '10.213.7.0/24', net]);
    await sandbox.ok(['run', '--rm', '--net', net, 'busybox', 'true']);
    await sandbox.ok(['network', 'rm', net]);
    expect((await pastEvents('type=network', `network=${net}`)).slice(4).map((e) => e.Action)).toEqual(['create', 'connect', 'disconnect', 'destroy']);
    const vols = await pastEvents('volume=evvol');
    expect(vols.map((e) => `${e.Type} ${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.driver}`)).toEqual([
      'volume create evvol local',
      'volume destroy evvol local',
    ]);
    expect(await pastEvents('type=volume', 'event=die')).toEqual([]);
  });

  it('records image tag, untag and delete with the image id and the name', async () => {
    const id = (await sandbox.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
    await sandbox.ok(['tag', 'busybox', 'evimg:1']);
    await sandbox.ok(['rmi', 'evimg:1']);
    await sandbox.ok(['run', '--name', 'evc', 'busybox', 'true']);
    const made = (await sandbox.ok(['commit', '-q', 'evc', 'evimg:2'])).trim();
    await sandbox.ok(['rm', 'evc']);
    await sandbox.ok(['rmi', 'evimg:2']);
    const events = await pastEvents('type=image');
    expect(events.map((e) => `${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.name}`)).toEqual([
      `tag ${id} evimg:1`,
      `untag ${id} evimg:1`,
      `untag ${made} evimg:2`,
      `delete ${made} evimg:2`,
    ]);
  });

  it("records image save, load and import as Docker does: the image id as actor and name, its labels, import's tag first", async () => {
    const since = Date.now() * 1e6;
    const id = (await sandbox.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
    const archive = join(sandbox.dir, 'ev-save.tar');
    await sandbox.ok(['save', '-o', archive, 'busybox']);
    await sandbox.ok(['load', '-i', archive]);
    const rootfs = join(sandbox.dir, 'ev-rootfs');
    mkdirSync(rootfs);
    writeFileSync(join(rootfs, 'hello'), 'hi\n');
    const tarball = join(sandbox.dir, 'ev-rootfs.tar');
    expect(spawnSync('tar', ['-C', rootfs, '-cf', tarball, '.']).status).toBe(0);
    const imported = (await sandbox.ok(['import', '-c', 'LABEL team=blue', tarball, 'evimp:1'])).trim();
    const events = (await pastEvents('type=image')).filter((e) => e.timeNano >= since);
    expect(events.map((e) => `${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.name}`)).toEqual([
      `save ${id} ${id}`,
      `load ${id} ${id}`,
      `tag ${imported} evimp:1`,
      `import ${imported} ${imported}`,
    ]);
    expect(events[3].Actor.Attributes).toEqual({ name: imported, team: 'blue' });
    expect((await pastEvents('event=import')).map((e) => e.Actor.ID)).toEqual([imported]);
    await sandbox.ok(['rmi', 'evimp:1']);
  });

  it('refuses bad flags as Docker does: 125 for the client, 1 for what the daemon refuses', async () => {
    for (const [args, code, message] of [
      [['events', '--filter', 'nokey'], 125, /Bad format of filter "nokey"/],
      [['events', '--filter', 'bogus=1', '--until', '0s'], 1, /Invalid filter 'bogus'/],
      [['events', '--since', 'yesterday', '--until', '0s'], 125, /Invalid value "yesterday" for --since/],
      [['events', '--until', 'soon'], 125, /Invalid value "soon" for --until/],
    ] as Array<[string[], number, RegExp]>) {
      const r = await sandbox.run(args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});

describe('network and volume --format, --filter, -q', () => {
  it("network ls: Docker's header, -q ids, --filter, --format templates, table and json; inspect --format", async () => {
    const [a, b] = [`fa${sandbox.tag}`.slice(0, 12), `fb${sandbox.tag}`.slice(0, 12)];
    const idA = (await sandbox.ok(['network', 'create', '--subnet', '10.213.8.0/24', a])).trim();
    const idB = (await sandbox.ok(['network', 'create', '--subnet', '10.213.9.0/24', b])).trim();
    // The default network, made by a first run without --net (as Docker's is always there), is listed too.
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
    const idDefault = (await sandbox.ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge'])).trim();
    const ls = (await sandbox.ok(['network', 'ls'])).split('\n').filter(Boolean);
    expect(ls[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    // Docker's pre-defined host and none are listed too (drivers host and null).
    const idHost = (await sandbox.ok(['network', 'inspect', '-f', '{{.Id}}', 'host'])).trim();
    const idNone = (await sandbox.ok(['network', 'inspect', '-f', '{{.Id}}', 'none'])).trim();
    expect(ls.slice(1).map((l) => l.split(/\s+/))).toEqual([
      [idDefault.slice(0, 12), 'bridge', 'bridge', 'local'],
      [idA.slice(0, 12), a, 'bridge', 'local'],
      [idB.slice(0, 12), b, 'bridge', 'local'],
      [idHost.slice(0, 12), 'host', 'host', 'local'],
      [idNone.slice(0, 12), 'none', 'null', 'local'],
    ]);
    const short = [idDefault, idA, idB, idHost, idNone].map((id) => `${id.slice(0, 12)}\n`).join('');
    expect(await sandbox.ok(['network', 'ls', '-q'])).toBe(short);
    expect(await sandbox.ok(['network', 'ls', '-q', '--no-trunc', '--filter', `name=${b}`])).toBe(`${idB}\n`);
    expect(await sandbox.ok(['network', 'ls', '--filter', `id=${idA.slice(0, 8)}`, '--format', '{{.ID}}: {{.Driver}}'])).toBe(`${idA.slice(0, 12)}: bridge\n`);
    expect(await sandbox.ok(['network', 'ls', '--filter', 'driver=bridge', '--filter', 'type=custom', '--format', '{{.Name}}'])).toBe(`${a}\n${b}\n`);
    expect(await sandbox.ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}}'])).toBe('bridge\nhost\nnone\n');
    expect(await sandbox.ok(['network', 'ls', '--filter', `name=${a}`, '--format', 'table {{.Name}}\t{{.Scope}}'])).toBe(
      `NAME${' '.repeat(a.length - 1)}SCOPE\n${a}   local\n`,
    );
    const [json] = (await sandbox.ok(['network', 'ls', '--filter', `name=${a}`, '--format', 'json'])).split('\n');
    expect(JSON.parse(json)).toMatchObject({ ID: idA.slice(0, 12), Name: a, Driver: 'bridge', Scope: 'local', IPv6: 'false', Internal: 'false' });
    expect(await sandbox.ok(['network', 'inspect', '--format', '{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', a, b])).toBe(
      `${a} bridge 10.213.8.0/24\n${b} bridge 10.213.9.0/24\n`,
    );
    expect(await sandbox.ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', a])).toBe('[{"Subnet":"10.213.8.0/24","Gateway":"10.213.8.1"}]\n');
    const bad = await sandbox.run(['network', 'ls', '--filter', 'colour=red']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/Invalid filter 'colour'/);
    expect(await sandbox.run(['network', 'ls', '--format', '{{.Nope'])).toMatchObject({ code: 1, stdout: '' });
    await sandbox.ok(['network', 'rm', a, b]);
  });

  it('volume ls: header, -q, --filter name= label= dangling=, --format; volume inspect --format', async () => {
    await sandbox.ok(['volume', 'create', 'vol-free']);
    await sandbox.ok(['volume', 'create', 'vol-used']);
    await sandbox.ok(['run', '-d', '--name', 'volc', '-v', 'vol-used:/data', '-v', '/anon', 'busybox', 'sleep', '1000']);
    const anon = JSON.parse(await sandbox.ok(['inspect', 'volc']))[0].Mounts.find((m: { Destination: string }) => m.Destination === '/anon').Name as string;
    const ls = (await sandbox.ok(['volume', 'ls'])).split('\n').filter(Boolean);
    expect(ls[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(
      ls
        .slice(1)
        .map((l) => l.split(/\s+/))
        .sort(),
    ).toEqual(
      [
        ['local', anon],
        ['local', 'vol-free'],
        ['local', 'vol-used'],
      ].sort(),
    );
    expect(await sandbox.ok(['volume', 'ls', '-q', '--filter', 'name=vol-'])).toBe('vol-free\nvol-used\n');
    expect(await sandbox.ok(['volume', 'ls', '-q', '--filter', 'dangling=true'])).toBe('vol-free\n');
    expect((await sandbox.ok(['volume', 'ls', '-q', '--filter', 'dangling=false'])).split('\n').filter(Boolean).sort()).toEqual([anon, 'vol-used'].sort());
    expect(await sandbox.ok(['volume', 'ls', '-q', '--filter', 'label=com.docker.volume.anonymous'])).toBe(`${anon}\n`);
    expect(await sandbox.ok(['volume', 'ls', '--filter', 'name=vol-free', '--format', '{{.Name}}: {{.Driver}} {{.Scope}}'])).toBe('vol-free: local local\n');
    expect(await sandbox.ok(['volume', 'ls', '--filter', 'name=vol-free', '--format', 'table {{.Name}}\t{{.Driver}}'])).toBe(
      'VOLUME NAME   DRIVER\nvol-free      local\n',
    );
    const mount = (await sandbox.ok(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'vol-free'])).trim();
    expect(mount).toBe(JSON.parse(await sandbox.ok(['volume', 'inspect', 'vol-free']))[0].Mountpoint);
    expect(mount.startsWith(sandbox.root)).toBe(true);
    expect(await sandbox.ok(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{json .Labels}}', 'vol-free'])).toBe('vol-free local {}\n');
    const bad = await sandbox.run(['volume', 'ls', '--filter', 'dangling=maybe']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    await sandbox.ok(['rm', '-f', '-v', 'volc']);
    await sandbox.ok(['volume', 'rm', 'vol-free', 'vol-used']);
    expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe('');
  });
});

describe('inspect of every kind, system df, completion', () => {
  it('inspect NAME finds a container, then an image, a network, a volume; --type narrows; missing names exit 1', async () => {
    const net = `in${sandbox.tag}`.slice(0, 12);
    await sandbox.ok(['network', 'create', '--subnet', '10.213.10.0/24', net]);
    await sandbox.ok(['volume', 'create', 'invol']);
    await sandbox.ok(['run', '--name', 'inbox', 'busybox', 'true']);
    const [c, i, n, v] = JSON.parse(await sandbox.ok(['inspect', 'inbox', 'busybox', net, 'invol']));
    expect(c).toMatchObject({ Name: '/inbox', State: { Status: 'exited' } });
    expect(i.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(i.RepoTags).toContain('busybox:latest');
    expect(n).toMatchObject({ Name: net, Driver: 'bridge', Scope: 'local' });
    expect(v).toMatchObject({ Name: 'invol', Driver: 'local', Scope: 'local' });
    expect(await sandbox.ok(['inspect', '-f', '{{.Name}}', '--type', 'network', net])).toBe(`${net}\n`);
    expect(await sandbox.ok(['inspect', '--format', '{{.Mountpoint}}', '--type', 'volume', 'invol'])).toBe(`${v.Mountpoint}\n`);
    expect(await sandbox.ok(['inspect', '--type', 'image', '-f', '{{.Id}}', 'busybox'])).toBe(`${i.Id}\n`);
    // A container and a volume of one name: plain inspect shows the container (Docker's order), --type the volume.
    await sandbox.ok(['volume', 'create', 'inbox']);
    expect(await sandbox.ok(['inspect', '-f', '{{.Name}}', 'inbox'])).toBe('/inbox\n');
    expect(await sandbox.ok(['inspect', '-f', '{{.Name}}', '--type', 'volume', 'inbox'])).toBe('inbox\n');

    const missing = await sandbox.run(['inspect', '-f', '{{.Name}}', 'invol', 'nothing-here']);
    expect(missing).toMatchObject({ code: 1, stdout: 'invol\n' });
    expect(missing.stderr).toMatch(/No such object: nothing-here/);
    const wrongType = await sandbox.run(['inspect', '--type', 'network', 'invol']);
    expect(wrongType).toMatchObject({ code: 1, stdout: '[]\n' });
    expect(wrongType.stderr).toMatch(/No such network: invol/);
    const badType = await sandbox.run(['inspect', '--type', 'plugin', 'invol']);
    expect(badType).toMatchObject({ code: 125, stdout: '' });
    expect(badType.stderr).toMatch(/"plugin" is not a valid value for --type/);
    await sandbox.ok(['rm', 'inbox']);
    await sandbox.ok(['volume', 'rm', 'invol', 'inbox']);
    await sandbox.ok(['network', 'rm', net]);
  });

  it("system df: Docker's table of images, containers, volumes and build cache; -v; --format", async () => {
    await sandbox.ok(['volume', 'create', 'dfvol']);
    await sandbox.ok(['run', '--name', 'dfbox', '-v', 'dfvol:/data', 'busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /data/f; head -c 3000 /dev/zero > /big']);
    const lines = (await sandbox.ok(['system', 'df'])).split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    const rows = (await sandbox.ok(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}']))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'));
    const row = (type: string) => rows.find((r) => r[0] === type)!;
    // One stopped container whose layer holds the 3000-byte file, and the volume it mounts holding 5000 bytes.
    expect(row('Containers').slice(1, 3)).toEqual(['1', '0']);
    expect(Number(row('Containers')[3].replace(/kB$/, '')) * 1000).toBeGreaterThanOrEqual(3000);
    expect(row('Containers')[4]).toMatch(/\(100%\)$/);
    expect(row('Local Volumes').slice(1)).toEqual(['1', '1', '5kB', '0B (0%)']);
    expect(Number(row('Images')[1])).toBeGreaterThanOrEqual(1);
    expect(row('Images')[2]).toBe('1');
    expect(row('Build Cache').slice(1)).toEqual(['0', '0', '0B', '0B']);
    const json = (await sandbox.ok(['system', 'df', '--format', 'json']))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(json.find((j) => j.Type === 'Local Volumes')).toEqual({ Type: 'Local Volumes', TotalCount: '1', Active: '1', Size: '5kB', Reclaimable: '0B (0%)' });
    const verbose = await sandbox.ok(['system', 'df', '-v']);
    expect(verbose).toMatch(/Images space usage:\n\nREPOSITORY\s+TAG\s+IMAGE ID\s+SIZE\s+CONTAINERS\nbusybox\s+latest/);
    expect(verbose).toMatch(
      /Containers space usage:\n\nCONTAINER ID\s+IMAGE\s+COMMAND\s+SIZE\s+STATUS\s+NAMES\n[0-9a-f]{12}\s+busybox\s+sh -c .*\s+stopped\s+dfbox\n/,
    );
    expect(verbose).toMatch(/Local Volumes space usage:\n\nVOLUME NAME\s+LINKS\s+SIZE\ndfvol\s+1\s+5kB\n/);
    expect(verbose).toContain('Build cache usage: 0B');
    await sandbox.ok(['rm', 'dfbox']);
    expect((await sandbox.ok(['system', 'df', '--format', '{{.Type}} {{.Reclaimable}}'])).split('\n')).toContain('Local Volumes 5kB (100%)');
    await sandbox.ok(['volume', 'rm', 'dfvol']);
  });

  it("completion bash: sourced in bash, _mydocker completes installed commands' flags and actions", async () => {
    const script = join(sandbox.dir, 'mydocker.bash');
    writeFileSync(script, await sandbox.ok(['completion', 'bash']));
    const complete = (words: string[]) => {
      const r = spawnSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mydocker; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(complete(['mydocker', 'ps', '--fo'])).toEqual(['--format']);
    expect(complete(['mydocker', 'ps', '--no-t'])).toEqual(['--no-trunc']);
    expect(complete(['mydocker', '--root', '/tmp', 'rm', '-'])).toEqual(expect.arrayContaining(['--force', '-f', '--volumes', '-v', '--help']));
    expect(complete(['mydocker', 'netw'])).toEqual(['network']);
    expect(complete(['mydocker', 'network', ''])).toEqual(['create', 'ls', 'inspect', 'rm', 'connect', 'disconnect']);
    // A plugin's command and its flags: `logs` from @mydocker/logs, `events` from the CLI.
    expect(complete(['mydocker', 'logs', '--ta'])).toEqual(['--tail']);
    expect(complete(['mydocker', 'events', '--un'])).toEqual(['--until']);
    expect(complete(['mydocker', 'system', ''])).toEqual(['df', 'prune', 'restart-policies', 'service']);
    const compgen = spawnSync('bash', ['-c', `source ${script}; complete -p mydocker`], { encoding: 'utf8' });
    expect(compgen.stdout.trim()).toBe('complete -F _mydocker mydocker');

    for (const shell of ['zsh', 'fish']) {
      const out = await sandbox.ok(['completion', shell]);
      expect(out).toContain('--format');
      expect(out).toContain('network');
    }
    expect(await sandbox.ok(['completion', 'fish'])).toContain('complete -c mydocker -n "__fish_seen_subcommand_from ps" -l format -r');
    const bad = await sandbox.run(['completion', 'tcsh']);
    expect(bad).toMatchObject({ code: 125, stdout: '' });
    expect(bad.stderr).toMatch(/Unsupported shell "tcsh"/);
  });
});
