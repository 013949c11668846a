import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from './errors';

/**
 * Every path root is configurable (flag > environment > config file > default) so that tests run in
 * throw-away roots and a user can keep several engines apart.
 */
export interface EngineConfig {
  /** Persistent data: images, layers, container records, volumes, networks. */
  root: string;
  /** Volatile data that must not survive a reboot: locks. */
  runRoot: string;
  /** Cgroup directory (relative to each hierarchy) under which containers get their cgroups. */
  cgroupParent: string;
  /** Storage driver name; undefined lets the storage plugin pick the best available. */
  storageDriver?: string;
  /** Image used by the seed's `run /bin/top` form. */
  defaultImage: string;
  /** Extra plugins named by package name or path (config file, --plugin). */
  plugins: string[];
  /** Per-plugin options from the config file, keyed by plugin name. */
  pluginOptions: Record<string, unknown>;
  /** Registry CAs in Docker's `certs.d` layout: `<certsDir>/HOST:PORT/ca.crt`. */
  certsDir?: string;
  /** The config file that was read, if any. */
  configFile?: string;
  /**
   * argv that runs this same CLI with the same roots; the monitor calls it with
   * `container-cleanup ID` when a detached container ends on its own.
   */
  selfCommand: string[];
}

export interface ConfigSources {
  flags?: Partial<Pick<EngineConfig, 'root' | 'runRoot' | 'cgroupParent' | 'storageDriver'>> & { config?: string; plugins?: string[] };
  env?: NodeJS.ProcessEnv;
  selfCommand?: string[];
}

export const DEFAULT_CONFIG_FILE = '/etc/mydocker/config.json';
export const DEFAULT_CERTS_DIR = '/etc/mydocker/certs.d';

interface ConfigFile {
  root?: string;
  runRoot?: string;
  cgroupParent?: string;
  storageDriver?: string;
  defaultImage?: string;
  plugins?: string[];
  pluginOptions?: Record<string, unknown>;
  certsDir?: string;
}

function readConfigFile(path: string, required: boolean): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`Cannot read the config file ${path}: ${(err as Error).message}.`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as ConfigFile;
  } catch (err) {
    throw new UsageError(`The config file ${path} is not valid JSON: ${(err as Error).message}.`);
  }
}

function absolute(path: string, what: string, base = process.cwd()): string {
  if (path.length === 0) throw new UsageError(`The ${what} path must not be empty.`);
  return isAbsolute(path) ? path : resolve(base, path);
}

export function loadConfig(sources: ConfigSources = {}): EngineConfig {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const explicitFile = flags.config ?? env.MYDOCKER_CONFIG;
  const configFile = explicitFile ?? DEFAULT_CONFIG_FILE;
  const file = readConfigFile(configFile, explicitFile !== undefined);
  const cgroupParent = flags.cgroupParent ?? env.MYDOCKER_CGROUP_PARENT ?? file.cgroupParent ?? 'mydocker';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.\/-]*$/.test(cgroupParent) || cgroupParent.split('/').includes('..')) {
    throw new UsageError(`Invalid cgroup parent "${cgroupParent}": use a relative path of names.`);
  }
  const plugins = [...(file.plugins ?? []), ...(env.MYDOCKER_PLUGINS ? env.MYDOCKER_PLUGINS.split(',').filter(Boolean) : []), ...(flags.plugins ?? [])];
  return {
    root: absolute(flags.root ?? env.MYDOCKER_ROOT ?? file.root ?? '/var/lib/mydocker', 'root'),
    runRoot: absolute(flags.runRoot ?? env.MYDOCKER_RUNROOT ?? file.runRoot ?? '/run/mydocker', 'run root'),
    cgroupParent,
    storageDriver: flags.storageDriver ?? env.MYDOCKER_STORAGE_DRIVER ?? file.storageDriver,
    defaultImage: file.defaultImage ?? 'busybox',
    plugins,
    pluginOptions: file.pluginOptions ?? {},
    certsDir: absolute(env.MYDOCKER_CERTS_DIR ?? file.certsDir ?? DEFAULT_CERTS_DIR, 'certs directory'),
    configFile: Object.keys(file).length > 0 || explicitFile ? configFile : undefined,
    selfCommand: sources.selfCommand ?? [process.execPath, process.argv[1] ?? 'mydocker'],
  };
}
