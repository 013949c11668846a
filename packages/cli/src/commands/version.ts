import type { CommandSpec } from '@mydocker/core';
import { release } from 'node:os';
import { formatItems } from '../output-format';

const VERSION: string = require('../../package.json').version;
const API_VERSION = '1.43';

/** Go's GOARCH names, which Docker prints and scripts compare against. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** Docker's version report (the Engine API's SystemVersion shape for the server side). */
function versionReport() {
  const side = {
    Version: VERSION,
    ApiVersion: API_VERSION,
    Os: process.platform,
    Arch: ARCH[process.arch] ?? process.arch,
    GoVersion: '',
    GitCommit: '',
    BuildTime: '',
  };
  return {
    Client: { Platform: { Name: 'mydocker' }, ...side, DefaultAPIVersion: API_VERSION, Context: 'default', NodeVersion: process.version },
    Server: { Platform: { Name: 'mydocker' }, ...side, MinAPIVersion: API_VERSION, KernelVersion: release() },
  };
}

/** Docker's plain layout: a Client section and a Server section, labels padded to one column. */
function plain(report: ReturnType<typeof versionReport>): string {
  const rows = (indent: string, pairs: Array<[string, string]>) =>
    pairs.map(([k, v]) => `${indent}${`${k}:`.padEnd(19 - indent.length)}${v}`.trimEnd()).join('\n');
  const { Client: c, Server: s } = report;
  return [
    'Client:',
    rows(' ', [
      ['Version', c.Version],
      ['API version', c.ApiVersion],
      ['Node version', c.NodeVersion],
      ['OS/Arch', `${c.Os}/${c.Arch}`],
      ['Context', c.Context],
    ]),
    '',
    // No daemon: the "server" is the same engine, in this process.
    `Server: ${s.Platform.Name} Engine (no daemon)`,
    ' Engine:',
    rows('  ', [
      ['Version', s.Version],
      ['API version', `${s.ApiVersion} (minimum version ${s.MinAPIVersion})`],
      ['OS/Arch', `${s.Os}/${s.Arch}`],
      ['Kernel version', s.KernelVersion],
    ]),
    '',
  ].join('\n');
}

/** `version`: Docker's Client/Server sections, or `--format`; `mydocker --version` keeps the one line. */
export const versionCommand: CommandSpec = {
  command: 'version',
  describe: 'Show the mydocker version information',
  builder: (y) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template (or json)' }),
  async run(args, { stdout }) {
    const report = versionReport();
    stdout.write(args.format === undefined ? plain(report) : formatItems(String(args.format), [report]));
  },
};
