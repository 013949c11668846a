import { UsageError, type CommandContext } from '@mydocker/core';
import { removeCredentials, saveCredentials } from './credentials';
import { insecureRegistries } from './pull';
import { DOCKER_HUB, parseRegistryHost } from './reference';
import { RegistryClient } from './registry-client';

type Args = Record<string, any>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `login [-u USER] [-p PASS | --password-stdin] [HOST]`: verified with the registry before it is stored. */
export async function login(args: Args, ctx: CommandContext): Promise<number> {
  const host = args.server ? parseRegistryHost(String(args.server)) : DOCKER_HUB;
  if (args.password !== undefined && args.passwordStdin) throw new UsageError('--password and --password-stdin are mutually exclusive: give one.');
  const username = args.username !== undefined ? String(args.username) : undefined;
  let password = args.password !== undefined ? String(args.password) : undefined;
  if (args.passwordStdin) {
    if (!username) throw new UsageError('--password-stdin needs the user name: give -u USER.');
    password = (await readStdin()).replace(/\r?\n$/, '');
  }
  if (!username || password === undefined)
    throw new UsageError('login needs -u USER and -p PASSWORD (or --password-stdin); interactive prompts are not supported.');
  if (username.includes(':')) throw new UsageError('The user name cannot contain ":".');
  if (password === '') throw new UsageError('The password is empty.');
  if (args.password !== undefined) ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  const client = new RegistryClient(
    { domain: host, path: '' },
    { insecure: insecureRegistries(ctx.config), certsDir: ctx.config.certsDir, credentials: { username, password } },
  );
  // Docker asks for a token with no scope: it proves the credentials without naming a repository.
  await client.ping('');
  await saveCredentials(host, { username, password });
  ctx.stdout.write(`Login Succeeded\n`);
  return 0;
}

export async function logout(args: Args, ctx: CommandContext): Promise<number> {
  const host = args.server ? parseRegistryHost(String(args.server)) : DOCKER_HUB;
  if (await removeCredentials(host)) ctx.stdout.write(`Removing login credentials for ${host}\n`);
  else ctx.stdout.write(`Not logged in to ${host}\n`);
  return 0;
}
