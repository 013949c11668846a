import { Writable } from 'node:stream';
import { CommandRegistry, MissingPluginError, type LifecycleBus, type RegisteredCommand } from '@mydocker/core';
import type { ApiContext } from './context';

/** Collects what a command writes, for answers built from a command's output. */
export class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The commands the installed plugins contribute, as the CLI sees them (asked once, through the bus). */
export function pluginCommands(bus: LifecycleBus): CommandRegistry {
  const registry = new CommandRegistry();
  bus.hooks.commands.call(registry);
  return registry;
}

const COMMAND_PACKAGES: Record<string, string> = {
  logs: '@mydocker/logs',
  images: '@mydocker/images',
  rmi: '@mydocker/images',
  pull: '@mydocker/images',
  push: '@mydocker/images',
  tag: '@mydocker/images',
  network: '@mydocker/network',
  volume: '@mydocker/aufs-storage',
  cp: '@mydocker/aufs-storage',
};

export function command(api: ApiContext, name: string): RegisteredCommand {
  const cmd = api.registry.get(name);
  if (!cmd) throw new MissingPluginError(`The "${name}" endpoint`, COMMAND_PACKAGES[name] ?? 'plugin');
  return cmd;
}

/**
 * Runs a plugin's command exactly as the CLI would, with its output captured: the endpoint and the
 * command are one implementation.
 */
export async function runCommand(
  api: ApiContext,
  name: string,
  args: Record<string, unknown>,
  streams: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await command(api, name).run({ _: [], ...args }, { ...api.commandContext, stdout: streams.stdout ?? stdout, stderr: streams.stderr ?? stderr });
  return { code: typeof code === 'number' ? code : 0, stdout: stdout.text(), stderr: stderr.text() };
}
