import { buildSync } from 'esbuild';
import { join, resolve } from 'node:path';

/**
 * The store's sources bundled into one CommonJS file, so that child processes can run the real code
 * (no prior `npm run build` needed). Dependencies stay external and resolve from the repository.
 */
export function bundleStore(outDir: string): string {
  const outfile = join(outDir, 'store-bundle.js');
  buildSync({
    entryPoints: [resolve(__dirname, '../index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['@mydocker/core'],
    nodePaths: [resolve(__dirname, '../../../../node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

export const NODE_PATH = resolve(__dirname, '../../../../node_modules');
