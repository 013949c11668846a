import type { CommandSpec } from '@mydocker/core';
import { formatItems } from '../output-format';

const VERSION: string = require('../../package.json').version;

/** Go's GOARCH names, which Docker prints and scripts compare against. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * `version`: the seed's one line, or with `--format` Docker's Client/Server sections. There is no daemon:
 * the "server" is the same engine, in this process.
 */
export const versionCommand: CommandSpec = {
  command: 'version',
  describe: 'Show the mydocker version',
  builder: (y) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template (or json)' }),
  async run(args, { stdout }) {
    if (args.format === undefined) {
      stdout.write(`mydocker ${VERSION}\n`);
      return;
    }
    const side = { Version: VERSION, ApiVersion: '1.43', Os: process.platform, Arch: ARCH[process.arch] ?? process.arch, GoVersion: '', GitCommit: '', BuildTime: '' };
    const report = { Client: { Platform: { Name: 'mydocker' }, ...side, DefaultAPIVersion: '1.43', Context: 'default' }, Server: { Platform: { Name: 'mydocker' }, ...side, MinAPIVersion: '1.43', KernelVersion: require('node:os').release() } };
    stdout.write(formatItems(String(args.format), [report]));
  },
};
