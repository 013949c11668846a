/** Commands that plugins contribute, and the package to install when one is missing. */
export const COMMAND_PACKAGES: Record<string, string> = {
  exec: '@mydocker/namespaces',
  logs: '@mydocker/logs',
  network: '@mydocker/network',
  stats: '@mydocker/cgroups',
  pause: '@mydocker/cgroups',
  unpause: '@mydocker/cgroups',
  update: '@mydocker/cgroups',
  images: '@mydocker/images',
  image: '@mydocker/images',
  import: '@mydocker/images',
  rmi: '@mydocker/images',
  load: '@mydocker/images',
  save: '@mydocker/images',
  export: '@mydocker/images',
  commit: '@mydocker/images',
  history: '@mydocker/images',
  pull: '@mydocker/images',
  push: '@mydocker/images',
  tag: '@mydocker/images',
  login: '@mydocker/images',
  logout: '@mydocker/images',
  cp: '@mydocker/aufs-storage',
  diff: '@mydocker/aufs-storage',
  volume: '@mydocker/aufs-storage',
  'system-service': '@mydocker/engine-api',
};

/**
 * Flags a mydocker package declares, by spelling (long name, short letter, the seed's single-dash form),
 * and the package that brings it: only for the sentence that refuses such a flag when that package is
 * not installed ("… needs the @mydocker/cgroups plugin"). The flags themselves, their parsing and help
 * come from the installed plugins' declarations; a flag listed here but not declared is refused.
 */
const FLAGS_BY_PACKAGE: Record<string, string[]> = {
  '@mydocker/cgroups': ['memory', 'm', 'memory-swap', 'cpu-shares', 'c', '-cpushare', 'cpus', 'cpuset-cpus', '-cpuset', 'cpuset-mems', 'pids-limit'],
  '@mydocker/network': [
    'network',
    'net',
    '-net',
    '-network',
    'publish',
    'p',
    'publish-all',
    'P',
    'network-alias',
    'add-host',
    'dns',
    'dns-search',
    'dns-option',
    'mac-address',
    'ip',
  ],
  '@mydocker/aufs-storage': ['volume', 'v', 'mount', 'tmpfs'],
  '@mydocker/logs': ['log-opt', 'log-driver'],
  '@mydocker/images': ['pull', 'platform'],
  '@mydocker/namespaces': [
    'cap-add',
    'cap-drop',
    'privileged',
    'security-opt',
    'device',
    'init',
    'health-cmd',
    'health-interval',
    'health-timeout',
    'health-retries',
    'health-start-period',
    'healthcheck',
    'no-healthcheck',
  ],
};

export const FLAG_PACKAGES: Record<string, string> = Object.fromEntries(
  Object.entries(FLAGS_BY_PACKAGE).flatMap(([pkg, spellings]) => spellings.map((s) => [s, pkg])),
);
