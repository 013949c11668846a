import { MydockerError, sleep } from '@mydocker/core';
import { readControl, writeControl } from '../fs-util';
import type { Freezer } from '../freezer';

const STATE = 'freezer.state';

/**
 * cgroup v1's freezer: `freezer.state` is THAWED, FREEZING or FROZEN. A write of FROZEN may stay in
 * FREEZING while tasks are forking or in uninterruptible sleep, so it is written again until the kernel
 * says FROZEN, with an occasional thaw and pause to let new tasks settle (runc's loop); if it never
 * freezes, the cgroup is thawed back rather than left half frozen.
 */
export function freezerV1(dir: string): Freezer {
  const file = `${dir}/${STATE}`;
  return {
    state() {
      const s = readControl(file);
      if (s === 'FROZEN' || s === 'FREEZING') return 'frozen';
      if (s === 'THAWED') return 'thawed';
      return undefined;
    },
    async freeze() {
      for (let i = 0; i < 1000; i++) {
        if (i % 50 === 49) {
          writeControl(file, 'THAWED');
          await sleep(10);
        }
        writeControl(file, 'FROZEN');
        const s = readControl(file);
        if (s === 'FROZEN') return;
        if (s !== 'FREEZING') throw new MydockerError(`The freezer of ${dir} reads "${s ?? ''}" after writing FROZEN.`);
        if (i % 25 === 24) await sleep(1);
      }
      writeControl(file, 'THAWED');
      throw new MydockerError(`The processes of ${dir} could not be frozen (they stayed FREEZING); the container was left running.`);
    },
    async thaw() {
      for (let i = 0; i < 1000; i++) {
        writeControl(file, 'THAWED');
        if (readControl(file) === 'THAWED') return;
        await sleep(1);
      }
      throw new MydockerError(`The processes of ${dir} could not be thawed (the freezer still reads ${readControl(file)}).`);
    },
  };
}
