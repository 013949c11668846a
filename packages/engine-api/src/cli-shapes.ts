/**
 * Docker's shapes as the CLI builds them for `inspect` and `ps` (one implementation for both faces),
 * loaded on first use: the CLI package is the service's peer, installed beside it.
 */
export function cli(): typeof import('@mydocker/cli') {
  return require('@mydocker/cli') as typeof import('@mydocker/cli');
}
