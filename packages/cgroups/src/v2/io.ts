import { readControl } from '../fs-util';
import type { CgroupStats } from '../manager';
import type { V2Controller } from './controller';

/** No limits: `stats` reads io.stat ("MAJ:MIN rbytes=N wbytes=N ...") for BLOCK I/O. */
export const ioV2: V2Controller = {
  name: 'io',
  apply() {},
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
