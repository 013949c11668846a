import { UsageError } from '@mydocker/core';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
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

type AuthConfig = { auths?: Record<string, { auth?: string; [k: string]: unknown }>; [k: string]: unknown };

async function readConfig(file: string): Promise<AuthConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`Cannot read the credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  try {
    const parsed = JSON.parse(text) as AuthConfig;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new UsageError(`The credentials file ${file} is not valid JSON: fix or remove it.`);
  }
}

/**
 * Rewrites the file whole, other keys kept: a temporary file created 0600 in the same folder, then a
 * rename, so a reader never sees half a file and the password is never readable by others, even briefly.
 */
async function writeConfig(file: string, config: AuthConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function saveCredentials(domain: string, credentials: Credentials, file = authFile()): Promise<void> {
  const config = await readConfig(file);
  config.auths = { ...(config.auths ?? {}), [authKey(domain)]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } };
  await writeConfig(file, config);
}

/** Removes a registry's entry; false when there was none. */
export async function removeCredentials(domain: string, file = authFile()): Promise<boolean> {
  const config = await readConfig(file);
  const keys = [authKey(domain), `https://${domain}`, `http://${domain}`].filter((k) => config.auths?.[k]);
  if (keys.length === 0) return false;
  for (const k of keys) delete config.auths![k];
  await writeConfig(file, config);
  return true;
}
