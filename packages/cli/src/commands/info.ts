import type { CommandSpec, InfoReport } from '@mydocker/core';
import { formatItems } from '../output-format';

export const infoCommand: CommandSpec = {
  command: 'info',
  describe: 'Show the plugins found, the storage driver, cgroup version and the roots in use',
  builder: (y) => y.option('format', { alias: 'f', type: 'string', describe: 'json, or a Go template' }),
  async run(args, { bus, config, stdout }) {
    let driver: string;
    try {
      driver = bus.storageDriver().name;
    } catch (err) {
      driver = `none (${(err as Error).message})`;
    }
    const report: InfoReport = {
      Root: config.root,
      RunRoot: config.runRoot,
      CgroupParent: config.cgroupParent,
      ConfigFile: config.configFile ?? '(none)',
      StorageDriver: driver,
      StorageDrivers: bus.storageDriverNames(),
      Plugins: bus.plugins.map((p) => ({ name: p.name, package: p.packageName, version: p.version, path: p.path })),
    };
    await bus.hooks.info.promise(report);
    if (args.format === 'json') {
      stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    if (args.format !== undefined) {
      stdout.write(formatItems(String(args.format), [report]));
      return;
    }
    const lines: string[] = [];
    const render = (key: string, value: unknown, indent: string) => {
      if (Array.isArray(value)) {
        lines.push(`${indent}${key}:`);
        for (const v of value) lines.push(`${indent}  ${typeof v === 'object' && v ? Object.values(v).filter(Boolean).join('  ') : String(v)}`);
      } else if (value && typeof value === 'object') {
        lines.push(`${indent}${key}:`);
        for (const [k, v] of Object.entries(value)) render(k, v, `${indent}  `);
      } else {
        lines.push(`${indent}${key}: ${String(value)}`);
      }
    };
    for (const [key, value] of Object.entries(report)) render(key, value, '');
    stdout.write(`${lines.join('\n')}\n`);
  },
};
