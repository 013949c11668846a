import { existsSync } from 'node:fs';
import { UsageError } from '@mydocker/core';
import { readControl, writeControl } from '../fs-util';
import type { CgroupStats } from '../manager';
import type { V2Controller } from './controller';

/**
 * --blkio-weight as runc writes it: BFQ's io.bfq.weight takes the v1 value as it is, io.weight (1..10000)
 * a scaled one. `stats` reads io.stat ("MAJ:MIN rbytes=N wbytes=N ...") for BLOCK I/O.
 */
export const ioV2: V2Controller = {
  name: 'io',
  controls: ['io.bfq.weight', 'io.weight'],
  apply(dir, limits) {
    if (limits.blkioWeight === undefined) return;
    if (existsSync(`${dir}/io.bfq.weight`)) writeControl(`${dir}/io.bfq.weight`, limits.blkioWeight);
    else if (existsSync(`${dir}/io.weight`)) writeControl(`${dir}/io.weight`, `default ${blkioToIoWeight(limits.blkioWeight)}`);
    else throw new UsageError(`--blkio-weight cannot be enforced: ${dir} has neither io.bfq.weight nor io.weight.`);
  },
  stats(dir, into) {
    const text = readControl(`${dir}/io.stat`);
    if (text !== undefined) Object.assign(into, sumIoStat(text));
  },
};

export function sumIoStat(text: string): Pick<CgroupStats, 'blockRead' | 'blockWrite'> {
  let blockRead = 0;
  let blockWrite = 0;
  for (const m of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (m[1] === 'r') blockRead += Number(m[2]);
    else blockWrite += Number(m[2]);
  }
  return { blockRead, blockWrite };
}

/** runc's mapping of a v1 blkio weight (10..1000) onto v2's io.weight (1..10000). */
export function blkioToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}
