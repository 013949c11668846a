import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ApiService } from './engine-api-harness';
import { Sandbox, waitFor } from './harness';
import { freeSubnet, startRegistry } from './local-services';

/**
 * The Engine API's other doors, driven by the docker CLI and raw requests: images through a local
 * docker-registry (tag, push, pull, rmi), networks and volumes, docker cp both ways, events, system df,
 * and bad input — each refused with one error while the service keeps serving and leaks nothing.
 */

/** A one-entry ustar archive (the test's own bytes, so a hostile name can be written). */
function tarOf(name: string, body: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data, Buffer.alloc(1024)]);
}

describe('Engine API: images, networks, volumes, cp, events, bad input', () => {
  const sandbox = new Sandbox('apiio');
  const api = new ApiService(sandbox);
  let registry: ChildProcess | undefined;
  let port = 0;
  const net = `an${sandbox.tag}`.toLowerCase();

  beforeAll(async () => {
    ({ port, child: registry } = await startRegistry({ dir: sandbox.dir, name: 'registry', upStatuses: [200] }));
    await api.start();
    await api.dockerOk(['run', '-d', '--name', 'box', 'busybox', 'top']);
  });

  afterAll(async () => {
    await api.docker(['rm', '-f', 'box']);
    expect([0, 'SIGTERM']).toContain(await api.stop());
    if (registry) {
      const gone = new Promise((r) => registry!.once('exit', r));
      registry.kill('SIGTERM');
      await gone;
    }
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('tag, push to a local registry, rmi, pull back (streamed JSON progress), run the pulled image', async () => {
    const ref = `127.0.0.1:${port}/mine/busybox:v1`;
    await api.dockerOk(['tag', 'busybox', ref]);
    expect(await api.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain(`127.0.0.1:${port}/mine/busybox:v1`);
    await api.dockerOk(['push', ref]);
    const rmi = await api.dockerOk(['rmi', ref]);
    expect(rmi).toContain(`Untagged: ${ref}`);
    expect((await api.docker(['image', 'inspect', ref])).code).toBe(1);
    const raw = await api.http('POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`127.0.0.1:${port}/mine/busybox`)}&tag=v1`);
    expect(raw.status).toBe(200);
    const messages = raw.body
      .split('\r\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((m) => typeof m.status === 'string')).toBe(true);
    expect(await api.dockerOk(['run', '--rm', ref, 'echo', 'pulled'])).toBe('pulled\n');
    await api.dockerOk(['rmi', ref]);
    // A pull of what the registry does not have: an error message in the stream, docker exits 1.
    const missing = await api.docker(['pull', `127.0.0.1:${port}/mine/nothing:v9`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.length).toBeGreaterThan(0);
  });

  it('network create + run --network + volume: the container gets an address and the volume keeps data', async () => {
    const subnet = freeSubnet(234);
    await api.dockerOk(['network', 'create', '--subnet', subnet, net]);
    expect(await api.dockerOk(['network', 'inspect', '-f', '{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', net])).toBe(`${net} ${subnet}\n`);
    await api.dockerOk(['volume', 'create', 'apivol']);
    const out = await api.dockerOk([
      'run',
      '--rm',
      '--network',
      net,
      '-v',
      'apivol:/data',
      'busybox',
      'sh',
      '-c',
      'echo kept > /data/f; ip -4 -o addr show eth0',
    ]);
    expect(out).toContain(subnet.replace('.0/24', '.'));
    expect(await api.dockerOk(['run', '--rm', '-v', 'apivol:/data', 'busybox', 'cat', '/data/f'])).toBe('kept\n');
    // Aliases: `run --network-alias` (NetworkingConfig.EndpointsConfig) and `network connect --alias` (EndpointConfig).
    await api.dockerOk(['run', '-d', '--name', 'aliased', '--network', net, '--network-alias', 'apialias', 'busybox', 'sleep', '60']);
    const net2 = `${net}2`;
    await api.dockerOk(['network', 'create', '--subnet', freeSubnet(234), net2]);
    await api.dockerOk(['network', 'connect', '--alias', 'second', net2, 'aliased']);
    // A peer on the network knows the container by its alias (the network plugin's hosts file of peers).
    expect(await api.dockerOk(['run', '--rm', '--network', net, 'busybox', 'cat', '/etc/hosts'])).toMatch(/\baliased apialias\b/);
    expect(await api.dockerOk(['run', '--rm', '--network', net2, 'busybox', 'cat', '/etc/hosts'])).toMatch(/\baliased second\b/);
    await api.dockerOk(['rm', '-f', 'aliased']);
    await api.dockerOk(['network', 'rm', net2]);
    expect(await api.dockerOk(['volume', 'ls', '--format', '{{.Name}}'])).toContain('apivol');
    await api.dockerOk(['volume', 'rm', 'apivol']);
    await api.dockerOk(['network', 'rm', net]);
    expect((await api.docker(['network', 'inspect', net])).code).toBe(1);
  });

  it('docker cp both ways, and a missing path is an error', async () => {
    const file = join(sandbox.dir, 'in.txt');
    writeFileSync(file, 'into the container\n');
    await api.dockerOk(['cp', file, 'box:/tmp/']);
    expect(await api.dockerOk(['exec', 'box', 'cat', '/tmp/in.txt'])).toBe('into the container\n');
    // docker exec --privileged: every capability for that process alone; the container's seccomp filter stays (moby's rule).
    const caps = async (extra: string[]) =>
      (await api.dockerOk(['exec', ...extra, 'box', 'grep', '-E', '^(CapEff|Seccomp):', '/proc/self/status'])).replace(/\s+/g, ' ').trim();
    const own = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s+(\w+)$/m)![1];
    expect(await caps([])).toBe('CapEff: 00000000a80425fb Seccomp: 2');
    expect(await caps(['--privileged'])).toBe(`CapEff: ${own} Seccomp: 2`);
    const outDir = join(sandbox.dir, 'out');
    await api.dockerOk(['cp', 'box:/etc', outDir]);
    expect(readdirSync(outDir)).toEqual(expect.arrayContaining(['hostname', 'passwd']));
    await api.dockerOk(['cp', 'box:/tmp/in.txt', join(sandbox.dir, 'back.txt')]);
    expect(readFileSync(join(sandbox.dir, 'back.txt'), 'utf8')).toBe('into the container\n');
    const missing = await api.docker(['cp', 'box:/no/such', join(sandbox.dir, 'x')]);
    expect(missing.code).toBe(1);
  });

  it('docker events --since shows what CLI and API did; system df answers', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await sandbox.ok(['run', '--rm', '--name', 'evt', 'busybox', 'true']);
    const events = await api.dockerOk([
      'events',
      '--since',
      since,
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=evt',
      '--format',
      '{{.Action}}',
    ]);
    expect(events.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
    const df = await api.http('GET', '/system/df');
    expect(df.status).toBe(200);
    const usage = JSON.parse(df.body);
    expect(usage).toMatchObject({ Containers: expect.any(Array), Images: expect.any(Array), Volumes: expect.any(Array) });
    // `box` holds /tmp/in.txt (copied in above) in its own layer: Docker's SizeRw counts it, SizeRootFs adds the image.
    const box = usage.Containers.find((c: { Names: string[] }) => c.Names.includes('/box'));
    expect(box.SizeRw).toBeGreaterThanOrEqual('into the container\n'.length);
    expect(box.SizeRootFs).toBeGreaterThan(box.SizeRw);
  });

  it('bad input: one error each, the service keeps serving', async () => {
    const malformed = await api.http('POST', '/v1.41/containers/create', '{"Image": ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).message).toMatch(/not valid JSON/);
    const wrong = await api.http('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: 'true', HostConfig: { Memory: 'lots' } }));
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body).message).toBe('HostConfig.Memory in the request body must be a number.');
    const huge = await api.http('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Env: [`A=${'x'.repeat(5 * 1024 * 1024)}`] }));
    expect(huge.status).toBe(413);
    // Unknown fields are ignored, as Docker's decoder does: the request works.
    const unknown = await api.http('POST', '/v1.41/containers/create?name=extra', JSON.stringify({ Image: 'busybox', Cmd: ['true'], NotAField: { x: 1 } }));
    expect(unknown.status).toBe(201);
    await api.dockerOk(['rm', 'extra']);
    const notFound = await api.http('POST', '/v1.41/containers/nosuch/start');
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body)).toEqual({ message: 'No such container: nosuch' });
    const running = await api.http('DELETE', '/v1.41/containers/box');
    expect(running.status).toBe(409);
    const badName = await api.http('POST', '/v1.41/containers/create?name=a%2Fb', JSON.stringify({ Image: 'busybox' }));
    expect(badName.status).toBe(400);
    // A tar whose entry climbs out of the destination is refused, and nothing lands outside the root.
    const escape = `api-escape-${sandbox.tag}`;
    const put = await api.http('PUT', `/v1.41/containers/box/archive?path=/tmp`, tarOf(`../../../../../../../../tmp/${escape}`, 'escaped\n'), {
      'Content-Type': 'application/x-tar',
    });
    expect(put.status).toBe(400);
    expect(existsSync(`/tmp/${escape}`)).toBe(false);
    expect(await api.ping()).toBe(200);
  });

  it('a client that disconnects mid-attach leaves no connection or descriptor behind', async () => {
    const pid = api.child!.pid!;
    const fds = () => readdirSync(`/proc/${pid}/fd`).length;
    const before = fds();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const s = connect(api.socket);
        s.on('error', reject);
        let got = '';
        s.on('data', (d) => {
          got += d;
          if (got.includes('101 UPGRADED')) {
            s.destroy();
            resolve();
          }
        });
        s.write(
          'POST /v1.41/containers/box/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
        );
      });
    }
    const after = await waitFor(fds, (n) => n <= before, 10_000);
    expect(after).toBeLessThanOrEqual(before);
    expect(await api.dockerOk(['inspect', '-f', '{{.State.Status}}', 'box'])).toBe('running\n');
  });
});
