import { MydockerError, sleep } from '@mydocker/core';
import { readControl, readKeyed, writeControl } from '../fs-util';
import type { Freezer } from '../freezer';

/**
 * cgroup v2's freezer is part of every non-root cgroup: `cgroup.freeze` asks (1 or 0), and `cgroup.events`
 * says when the kernel is done (`frozen 1`): tasks stop at their next return to user space, so the answer
 * is waited for, as runc and youki wait. A cgroup that will not freeze is thawed back.
 */
export function freezerV2(dir: string, timeoutMs = 5000): Freezer {
  const wanted = `${dir}/cgroup.freeze`;
  const frozen = () => readKeyed(`${dir}/cgroup.events`).frozen;
  const settle = async (target: 0 | 1) => {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; frozen() !== target; delay = Math.min(delay * 2, 50)) {
      if (Date.now() > deadline) return false;
      await sleep(delay);
    }
    return true;
  };
  return {
    state() {
      const s = readControl(wanted);
      return s === '1' ? 'frozen' : s === '0' ? 'thawed' : undefined;
    },
    async freeze() {
      writeControl(wanted, 1);
      if (await settle(1)) return;
      writeControl(wanted, 0);
      throw new MydockerError(`The processes of ${dir} could not be frozen (cgroup.events never said frozen); the container was left running.`);
    },
    async thaw() {
      writeControl(wanted, 0);
      if (!(await settle(0))) throw new MydockerError(`The processes of ${dir} could not be thawed (cgroup.events still says frozen).`);
    },
  };
}
