import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiService } from './engine-api-harness';
import { httpGet, runProcess, Sandbox, waitFor } from './harness';
import { freePort, freeSubnet } from './local-services';

/**
 * docker-compose (Debian's 1.29) against `mydocker system service`: two services on a user network, a
 * published port, a named volume and an env file — up -d, ps, logs, exec, down -v, and nothing left.
 */
describe('Engine API: docker-compose', () => {
  const sandbox = new Sandbox('apicompose');
  const api = new ApiService(sandbox);
  const project = `p${sandbox.tag}`.toLowerCase();
  const dir = join(sandbox.dir, 'project');
  let port = 0;

  // compose 1.29 asks for an old API version unless told to negotiate (this engine serves 1.41–1.43).
  const compose = (args: string[]) =>
    runProcess('docker-compose', ['-p', project, ...args], { env: { ...api.dockerEnv, COMPOSE_API_VERSION: 'auto' }, cwd: dir }, { timeoutMs: 180_000 });

  beforeAll(async () => {
    port = await freePort();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.env'), 'GREETING=from-env-file\n');
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      [
        'version: "3.7"',
        'services:',
        '  web:',
        '    image: busybox',
        '    command: ["sh", "-c", "mkdir -p /www && echo \\"hello $$GREETING\\" > /www/index.html && httpd -f -p 8080 -h /www"]',
        '    env_file: app.env',
        '    ports:',
        `      - "127.0.0.1:${port}:8080"`,
        '    volumes:',
        '      - data:/data',
        '    networks: [appnet]',
        '  worker:',
        '    image: busybox',
        '    command: ["sh", "-c", "echo worker up; echo $$GREETING > /data/greeting; while true; do sleep 1; done"]',
        '    env_file: app.env',
        '    volumes:',
        '      - data:/data',
        '    networks: [appnet]',
        'volumes:',
        '  data: {}',
        'networks:',
        '  appnet:',
        '    ipam:',
        '      config:',
        `        - subnet: ${freeSubnet(236)}`,
        '',
      ].join('\n'),
    );
    await api.start();
  });

  afterAll(async () => {
    await compose(['down', '-v']);
    expect([0, 'SIGTERM']).toContain(await api.stop());
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('up -d, ps, logs, exec, the published port, down -v: nothing left', async () => {
    const up = await compose(['up', '-d']);
    if (up.code !== 0) throw new Error(`compose up exited ${up.code}: ${up.stderr}\nservice: ${api.log}`);
    const ps = await compose(['ps']);
    expect(ps.code).toBe(0);
    const rows = ps.stdout.split('\n').filter((l) => l.startsWith(`${project}_`));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => /\bUp\b/.test(r))).toBe(true);
    expect(rows.find((r) => r.startsWith(`${project}_web_1`))).toContain(`127.0.0.1:${port}->8080/tcp`);
    const logs = await waitFor(
      () => compose(['logs', 'worker']),
      (r) => r.stdout.includes('worker up'),
    );
    expect(logs.stdout).toContain('worker up');
    const exec = await compose(['exec', '-T', 'worker', 'cat', '/data/greeting']);
    expect(exec).toMatchObject({ code: 0, stdout: 'from-env-file\n' });
    // The web service on the user network, through the published port, with the env file's value.
    expect(
      await waitFor(
        () => httpGet(`http://127.0.0.1:${port}/index.html`),
        (b) => b.length > 0,
        20_000,
      ),
    ).toBe('hello from-env-file\n');
    // The mydocker CLI sees compose's containers.
    expect((await sandbox.ok(['ps', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort()).toEqual([`${project}_web_1`, `${project}_worker_1`]);

    const down = await compose(['down', '-v']);
    expect(down.code).toBe(0);
    expect(await api.dockerOk(['ps', '-a', '-q'])).toBe('');
    expect(await api.dockerOk(['network', 'ls', '--format', '{{.Name}}'])).not.toContain(project);
    expect(await api.dockerOk(['volume', 'ls', '-q'])).toBe('');
  });
});
