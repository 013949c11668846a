/** Commands that plugins contribute, and the package to install when one is missing. */
export const COMMAND_PACKAGES: Record<string, string> = {
  exec: '@mydocker/namespaces',
  logs: '@mydocker/logs',
  network: '@mydocker/network',
  stats: '@mydocker/cgroups',
  images: '@mydocker/aufs-storage',
  image: '@mydocker/aufs-storage',
  import: '@mydocker/aufs-storage',
  rmi: '@mydocker/aufs-storage',
  load: '@mydocker/aufs-storage',
  save: '@mydocker/aufs-storage',
  export: '@mydocker/aufs-storage',
  commit: '@mydocker/aufs-storage',
  cp: '@mydocker/aufs-storage',
  volume: '@mydocker/aufs-storage',
};
