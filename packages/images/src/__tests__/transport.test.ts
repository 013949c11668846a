import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { RegistryClient, schemeFor } from '../registry-client';
import { isCertificateError, registryCAs } from '../tls';

describe('the scheme a registry is spoken to with', () => {
  it('is HTTPS for a host name that is not loopback, even one that resolves to 127.0.0.1', () => {
    expect(schemeFor('vm:5000')).toBe('https');
    expect(schemeFor('registry.example.com')).toBe('https');
    expect(new RegistryClient({ domain: 'myregistry.lan:5000', path: 'app' }).base).toBe('https://myregistry.lan:5000');
  });

  it('is plain HTTP only for loopback addresses and the registries the config names as insecure', () => {
    expect(schemeFor('localhost:5000')).toBe('http');
    expect(schemeFor('127.0.0.1:5000')).toBe('http');
    expect(schemeFor('127.1.2.3')).toBe('http');
    expect(schemeFor('myregistry.lan:5000', ['myregistry.lan:5000'])).toBe('http');
    // The config names a host with its port: another port of it stays on HTTPS.
    expect(schemeFor('myregistry.lan:5001', ['myregistry.lan:5000'])).toBe('https');
    expect(new RegistryClient({ domain: 'myregistry.lan:5000', path: 'app' }, { insecure: ['myregistry.lan:5000'] }).base).toBe('http://myregistry.lan:5000');
  });
});

describe("Docker's certs.d layout", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certs-d-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("adds every *.crt of the registry's own directory to the trusted CAs, and nothing from others", () => {
    mkdirSync(join(dir, 'vm:5000'));
    mkdirSync(join(dir, 'other:5000'));
    writeFileSync(join(dir, 'vm:5000', 'ca.crt'), 'CA ONE');
    writeFileSync(join(dir, 'vm:5000', 'client.cert'), 'NOT A CA');
    writeFileSync(join(dir, 'other:5000', 'ca.crt'), 'CA TWO');
    const { ca, extra } = registryCAs(dir, 'vm:5000');
    expect(extra).toEqual([join(dir, 'vm:5000', 'ca.crt')]);
    expect(ca).toContain('CA ONE');
    expect(ca).not.toContain('CA TWO');
    expect(ca).not.toContain('NOT A CA');
    expect(ca.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
  });

  it('is optional: no directory, or no certs dir at all, leaves the system CAs', () => {
    expect(registryCAs(dir, 'vm:5000').extra).toEqual([]);
    expect(registryCAs(undefined, 'vm:5000').extra).toEqual([]);
    expect(registryCAs(dir, '..').extra).toEqual([]);
  });

  it('tells certificate failures from other network failures', () => {
    expect(isCertificateError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe(true);
    expect(isCertificateError('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(true);
    expect(isCertificateError('ECONNREFUSED')).toBe(false);
    expect(isCertificateError(undefined)).toBe(false);
  });
});
