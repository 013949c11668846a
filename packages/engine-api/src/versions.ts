import { badRequest } from './api-error';

export const API_VERSION = '1.43';
export const MIN_API_VERSION = '1.41';

const minor = (v: string) => Number(v.split('.')[1]);

/**
 * Splits the optional `/v1.NN` prefix off a path. No prefix: the newest version. A version outside
 * 1.41–1.43 is refused with Docker's words (its clients then negotiate through /_ping).
 */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const [, version, rest] = m;
  if (!/^1\.\d+$/.test(version) || minor(version) < minor(MIN_API_VERSION)) {
    throw badRequest(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  if (minor(version) > minor(API_VERSION)) throw badRequest(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  return { version, path: rest };
}
