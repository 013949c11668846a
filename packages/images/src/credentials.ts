import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from './registry-client';

/**
 * Docker's client config file, whose `auths` Docker, Podman and skopeo all read: `$DOCKER_CONFIG/config.json`,
 * else `~/.docker/config.json`.
 */
export function authFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The key Docker files a registry under: Docker Hub's historical URL, every other host as written. */
export function authKey(domain: string): string {
  return domain === 'docker.io' ? 'https://index.docker.io/v1/' : domain;
}

/** The stored `user:pass` for a registry, if any (an unreadable file counts as none). */
export async function credentialsFor(domain: string, file = authFile()): Promise<Credentials | undefined> {
  let auths: Record<string, { auth?: string }> | undefined;
  try {
    auths = (JSON.parse(await readFile(file, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths;
  } catch {
    return undefined;
  }
  const entry = auths?.[authKey(domain)] ?? auths?.[`https://${domain}`] ?? auths?.[`http://${domain}`];
  if (!entry?.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
