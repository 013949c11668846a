import { badRequest } from './api-error';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Docker's `X-Registry-Auth` header (pull and push): base64url-encoded JSON of an AuthConfig. Its
 * username and password are this one request's credentials, used instead of the service's own store and
 * never written anywhere. `{}` or no header (what the docker CLI sends when it holds no login) means
 * none: the store is used. An `identitytoken` (an OAuth refresh token) is refused in a sentence: the
 * images plugin's registry client speaks Basic and password token flows only.
 */
export function registryAuth(header: string | string[] | undefined): RegistryCredentials | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  let auth: unknown;
  try {
    // Node's base64 decoder reads both alphabets (the CLI sends URL-safe, some clients standard).
    auth = JSON.parse(Buffer.from(header.trim(), 'base64').toString('utf8'));
  } catch {
    throw badRequest('invalid X-Registry-Auth header: it must be base64url-encoded JSON.');
  }
  if (!auth || typeof auth !== 'object' || Array.isArray(auth)) throw badRequest('invalid X-Registry-Auth header: it must encode a JSON object.');
  const { username, password, identitytoken } = auth as Record<string, unknown>;
  if (typeof username === 'string' && username !== '' && typeof password === 'string') return { username, password };
  if (typeof identitytoken === 'string' && identitytoken !== '')
    throw badRequest('X-Registry-Auth carries an identity token, which this engine cannot use: send username and password.');
  return undefined;
}
