import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

/** Debian's and Fedora's system bundles: Docker trusts the system's CAs, not only Node's own list. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

function readable(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CAs a registry's certificate is checked against: Node's roots, the system bundle, and every
 * `*.crt` in Docker's per-registry directory `<certsDir>/HOST[:PORT]/` (the name as the reference
 * spells it). Returns the extra CA files found too, for the error that names where a CA would go.
 */
export function registryCAs(certsDir: string | undefined, host: string): { ca: string[]; extra: string[] } {
  const ca = [...rootCertificates];
  for (const bundle of SYSTEM_BUNDLES) {
    const text = readable(bundle);
    if (text) {
      ca.push(text);
      break;
    }
  }
  const extra: string[] = [];
  if (certsDir && !host.includes('/') && host !== '..' && host !== '.') {
    const dir = join(certsDir, host);
    let names: string[] = [];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith('.crt'))
        .sort();
    } catch {
      // no directory for this registry: the common case
    }
    for (const name of names) {
      const text = readable(join(dir, name));
      if (text) {
        ca.push(text);
        extra.push(join(dir, name));
      }
    }
  }
  return { ca, extra };
}

/** OpenSSL's and Node's codes for a certificate the CAs do not vouch for (or that names another host). */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateError(code: string | undefined): boolean {
  return code !== undefined && UNTRUSTED.has(code);
}

/**
 * A fetch that checks HTTPS certificates against `ca`. Node's built-in fetch takes no CA list, so
 * undici (the same client, as a package) is given an Agent with one.
 */
export function fetchWithCAs(ca: string[]): typeof fetch {
  const undici = require('undici') as typeof import('undici');
  const dispatcher = new undici.Agent({ connect: { ca } });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undici.fetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
