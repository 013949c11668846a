import { existsSync } from 'node:fs';
import { readControl, writeControl } from '../fs-util';
import type { CgroupStats } from '../manager';
import type { V1Controller } from './controller';

/** The weight file this kernel has: CFQ's blkio.weight, or BFQ's blkio.bfq.weight (runc's order). */
export function blkioWeightFileV1(dir: string): string | undefined {
  return ['blkio.weight', 'blkio.bfq.weight'].map((f) => `${dir}/${f}`).find((path) => existsSync(path));
}

/**
 * --blkio-weight, when the I/O scheduler has a weight (else the flag is discarded with Docker's warning
 * before this runs). Made for every container so that `stats` can show BLOCK I/O. The throttle files count
 * every request (the CFQ ones only under that scheduler), as Docker reads them: "MAJ:MIN Read|Write BYTES".
 */
export const blkioV1: V1Controller = {
  name: 'blkio',
  controls: ['blkio.weight', 'blkio.bfq.weight'],
  apply(dir, limits) {
    if (limits.blkioWeight === undefined) return;
    const file = blkioWeightFileV1(dir);
    if (file) writeControl(file, limits.blkioWeight);
  },
  stats(dir, into) {
    const text = readControl(`${dir}/blkio.throttle.io_service_bytes_recursive`) ?? readControl(`${dir}/blkio.throttle.io_service_bytes`);
    if (text !== undefined) Object.assign(into, sumBlkio(text));
  },
};

export function sumBlkio(text: string): Pick<CgroupStats, 'blockRead' | 'blockWrite'> {
  let blockRead = 0;
  let blockWrite = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.trim().split(/\s+/);
    if (op === 'Read') blockRead += Number(value) || 0;
    else if (op === 'Write') blockWrite += Number(value) || 0;
  }
  return { blockRead, blockWrite };
}
