import type { CommandSpec, LifecycleBus, Plugin } from '@mydocker/core';

export const DEFAULT_SOCKET = 'unix:///run/mydocker/docker.sock';

/** `mydocker system service`; the server code loads only when it runs (plugins apply on every command). */
export const serviceCommand: CommandSpec = {
  command: 'system-service',
  describe: 'Serve the Docker Engine API (mydocker system service)',
  hidden: true,
  builder: (y) =>
    y
      .option('socket', { type: 'string', describe: `The unix socket to listen on (default ${DEFAULT_SOCKET})` })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds without a connection before the service exits (0: never; default 5)' })
      .option('host', { alias: 'H', type: 'string', describe: 'Also listen on tcp://ADDRESS:PORT, with TLS and client certificates only' })
      .option('tls-cert', { type: 'string', describe: "The server's certificate (PEM)" })
      .option('tls-key', { type: 'string', describe: "The server's key (PEM)" })
      .option('tls-ca', { type: 'string', describe: 'The CA that signs client certificates (PEM)' }),

  run: (args, ctx) => (require('./service-command') as typeof import('./service-command')).runService(args, ctx),
};

/**
 * The Engine API plugin contributes one command, `system service` (registered as `system-service`; the
 * CLI routes `system service` to it). Everything it serves goes through the same bus and engine the CLI
 * uses.
 */
export default class EngineApiPlugin implements Plugin {
  readonly name = 'engine-api';
  apply(bus: LifecycleBus): void {
    bus.hooks.commands.tap(this.name, (registry) => registry.add(this.name, serviceCommand));
  }
}

export { EngineApiPlugin };
