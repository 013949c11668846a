import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { ApiService } from './engine-api-harness';
import { runProcess, Sandbox } from './harness';

/**
 * The service's TCP listener (`--host tcp://127.0.0.1:PORT --tls-cert --tls-key --tls-ca`): TLS with client
 * certificates, made here by openssl. Debian's docker CLI with --tlsverify and a certificate the CA signed
 * is served; the same client without a certificate is refused. No container is started.
 */
describe('Engine API: the TLS TCP listener', () => {
  const sandbox = new Sandbox('apitls');
  const api = new ApiService(sandbox);
  const pki = join(sandbox.dir, 'pki');
  const f = (n: string) => join(pki, n);
  let port = 0;

  /** A certificate for `cn` signed by the test CA, with the extensions `ext` (one per line). */
  const signed = (name: string, cn: string, ext: string) => {
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`)], {
      stdio: 'pipe',
    });
    writeFileSync(f(`${name}.cnf`), ext);
    const sign = ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2'];
    execFileSync('openssl', [...sign, '-extfile', f(`${name}.cnf`), '-out', f(`${name}.pem`)], { stdio: 'pipe' });
  };

  beforeAll(async () => {
    mkdirSync(pki);
    const ca = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=mydocker test CA'];
    execFileSync('openssl', [...ca, '-keyout', f('ca-key.pem'), '-out', f('ca.pem')], { stdio: 'pipe' });
    signed('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    signed('client', 'client', 'extendedKeyUsage=clientAuth\n');
    // A free port: the kernel picks one, we release it for the service.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    await api.start(['--host', `tcp://127.0.0.1:${port}`, '--tls-cert', f('server.pem'), '--tls-key', f('server-key.pem'), '--tls-ca', f('ca.pem')]);
  });

  afterAll(async () => {
    expect([0, 'SIGTERM']).toContain(await api.stop());
    expect(await sandbox.destroy()).toEqual([]);
  });

  const dockerTcp = (tls: string[]) =>
    runProcess(
      '/usr/bin/docker',
      ['-H', `tcp://127.0.0.1:${port}`, ...tls, 'version', '--format', '{{.Server.APIVersion}}'],
      { env: api.dockerEnv },
      { timeoutMs: 60_000 },
    );

  /** One TLS connection by Node with `name`'s certificate: a /_ping answer, or how it was refused. */
  const nodeTls = (name: string) =>
    new Promise<string>((resolve) => {
      const cert = { cert: readFileSync(f(`${name}.pem`)), key: readFileSync(f(`${name}-key.pem`)) };
      const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(f('ca.pem')), ...cert });
      socket.on('secureConnect', () => socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'));
      socket.on('data', (d) => resolve(`served: ${d}`));
      socket.on('error', (e) => resolve(`refused: ${e.message}`));
      socket.on('close', () => resolve('refused: closed without an answer'));
    });

  it('serves docker --tlsverify with a client certificate the CA signed', async () => {
    const r = await dockerTcp(['--tlsverify', '--tlscacert', f('ca.pem'), '--tlscert', f('client.pem'), '--tlskey', f('client-key.pem')]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '1.43\n', stderr: '' });
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed; the service keeps serving', async () => {
    const bare = await dockerTcp(['--tlsverify', '--tlscacert', f('ca.pem')]);
    expect({ code: bare.code, stderr: bare.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/remote error: tls: certificate required/) });
    // A self-signed client certificate (its own CA): Go's client does not offer a certificate the server's
    // CA list does not name, so the server sees none and refuses the handshake the same way.
    const own = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=stranger'];
    execFileSync('openssl', [...own, '-addext', 'extendedKeyUsage=clientAuth', '-keyout', f('stranger-key.pem'), '-out', f('stranger.pem')], { stdio: 'pipe' });
    const stranger = await dockerTcp(['--tlsverify', '--tlscacert', f('ca.pem'), '--tlscert', f('stranger.pem'), '--tlskey', f('stranger-key.pem')]);
    expect({ code: stranger.code, stderr: stranger.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/tls: certificate required/) });
    // Offered anyway (Node sends what it is given), the stranger's certificate is refused by the server,
    // where the same Node client with the CA's certificate is served.
    expect(await nodeTls('stranger')).toMatch(/^refused: /);
    expect(await nodeTls('client')).toMatch(/^served: HTTP\/1\.1 200/);
    // Plain HTTP on the TLS port is not served either.
    const plain = await dockerTcp([]);
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/error during connect: Get "http:/) });
    expect(await api.ping()).toBe(200);
  });
});
