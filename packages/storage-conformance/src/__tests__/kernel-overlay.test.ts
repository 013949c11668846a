/**
 * Checks the suite itself against the kernel: a minimal overlayfs driver (upper dir = the diff) must
 * pass, which proves the suite's reference model agrees with real overlay semantics.
 */
import type { StorageDriver } from '@mydocker/core';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeStorageDriver } from '..';

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}

class KernelOverlay implements StorageDriver {
  readonly name = 'kernel-overlay';
  constructor(private readonly home: string) {}
  private dir(id: string) {
    return join(this.home, id);
  }
  async create(id: string, lowers: string[]) {
    for (const sub of ['upper', 'work', 'merged']) mkdirSync(join(this.dir(id), sub), { recursive: true });
    writeFileSync(join(this.dir(id), 'lowers.json'), JSON.stringify(lowers));
  }
  async mount(id: string) {
    const merged = join(this.dir(id), 'merged');
    if (mounted(merged)) return merged;
    const lowers = (JSON.parse(readFileSync(join(this.dir(id), 'lowers.json'), 'utf8')) as string[]).reverse();
    const d = this.dir(id);
    sh('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},upperdir=${d}/upper,workdir=${d}/work`, merged]);
    return merged;
  }
  async unmount(id: string) {
    const merged = join(this.dir(id), 'merged');
    if (mounted(merged)) sh('umount', [merged]);
  }
  async diff(id: string, target: string) {
    sh('cp', ['-a', `${this.dir(id)}/upper/.`, `${target}/`]);
  }
  async usage(id: string) {
    let bytes = 0;
    let inodes = 0;
    const walk = (p: string) => {
      for (const n of readdirSync(p)) {
        const st = lstatSync(join(p, n));
        inodes++;
        if (st.isDirectory()) walk(join(p, n));
        else bytes += st.size;
      }
    };
    walk(join(this.dir(id), 'upper'));
    return { bytes, inodes };
  }
  async remove(id: string) {
    if (!existsSync(this.dir(id))) return;
    await this.unmount(id);
    rmSync(this.dir(id), { recursive: true, force: true });
  }
  async list() {
    return existsSync(this.home) ? readdirSync(this.home) : [];
  }
  async isMounted(id: string) {
    return mounted(join(this.dir(id), 'merged'));
  }
}

describeStorageDriver('kernel-overlay', (home) => new KernelOverlay(home));
