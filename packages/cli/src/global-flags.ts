import { UsageError } from '@mydocker/core';

export interface GlobalFlags {
  root?: string;
  runRoot?: string;
  cgroupParent?: string;
  config?: string;
  storageDriver?: string;
  plugins: string[];
  help: boolean;
  version: boolean;
}

const VALUE_FLAGS: Record<string, keyof GlobalFlags> = {
  '--root': 'root',
  '--run-root': 'runRoot',
  '--cgroup-parent': 'cgroupParent',
  '--config': 'config',
  '--storage-driver': 'storageDriver',
};

/** Engine-wide flags come before the command name, as in Docker (`mydocker --root DIR ps`). */
export function splitGlobalFlags(argv: string[]): { flags: GlobalFlags; command?: string; rest: string[] } {
  const flags: GlobalFlags = { plugins: [], help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-')) break;
    if (token === '--help' || token === '-h') {
      flags.help = true;
      continue;
    }
    if (token === '--version' || token === '-v') {
      flags.version = true;
      continue;
    }
    const [name, inline] = token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const key = VALUE_FLAGS[name] ?? (name === '--plugin' ? 'plugins' : undefined);
    if (!key) throw new UsageError(`Unknown flag ${name}: engine flags are --root, --run-root, --cgroup-parent, --config, --storage-driver and --plugin.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`The flag ${name} needs a value.`);
    if (key === 'plugins') flags.plugins.push(value);
    else (flags as unknown as Record<string, string>)[key] = value;
  }
  return { flags, command: argv[i], rest: argv.slice(i + 1) };
}

/** The same flags again, so the monitor's clean-up command acts on the same engine. */
export function globalFlagsArgv(flags: {
  root: string;
  runRoot: string;
  cgroupParent: string;
  configFile?: string;
  storageDriver?: string;
  plugins: string[];
}): string[] {
  const out = ['--root', flags.root, '--run-root', flags.runRoot, '--cgroup-parent', flags.cgroupParent];
  if (flags.configFile) out.push('--config', flags.configFile);
  if (flags.storageDriver) out.push('--storage-driver', flags.storageDriver);
  return out;
}
