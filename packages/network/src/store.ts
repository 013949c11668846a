import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { NotFoundError, withFileLock } from '@mydocker/core';
import { emptyIpam } from './ipam';
import type { IpamState, NetworkConfig } from './model';
import type { NetworkPaths } from './paths';

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Networks and IPAM state on disk. Writers hold `withLock`; files are replaced atomically. */
export class NetworkStore {
  constructor(readonly paths: NetworkPaths) {}

  /** Exclusive across processes: twenty concurrent `run`s queue here for their addresses. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.paths.lock, fn, { staleMs: 15_000, busyMessage: 'The network store is busy: another mydocker command holds its lock.' });
  }

  list(): NetworkConfig[] {
    let files: string[];
    try {
      files = readdirSync(this.paths.dir);
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith('.json') && f !== 'ipam.json' && f !== 'sysctl.json')
      .map((f) => readJson<NetworkConfig>(`${this.paths.dir}/${f}`))
      .filter((n): n is NetworkConfig => n !== undefined && typeof n.name === 'string')
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  find(name: string): NetworkConfig | undefined {
    if (name === 'ipam' || name === 'sysctl') return undefined;
    return this.list().find((n) => n.name === name || (name.length >= 6 && n.id.startsWith(name)));
  }

  get(name: string): NetworkConfig {
    const net = this.find(name);
    if (!net) throw new NotFoundError(`Network ${name} not found: list networks with \`mydocker network ls\`.`);
    return net;
  }

  save(net: NetworkConfig): void {
    mkdirSync(this.paths.dir, { recursive: true });
    writeFileAtomic.sync(this.paths.network(net.name), `${JSON.stringify(net, null, 2)}\n`);
  }

  delete(name: string): void {
    rmSync(this.paths.network(name), { force: true });
  }

  readIpam(): IpamState {
    const state = readJson<IpamState>(this.paths.ipam) ?? emptyIpam();
    state.allocations ??= {};
    state.ports ??= {};
    return state;
  }

  writeIpam(state: IpamState): void {
    mkdirSync(this.paths.dir, { recursive: true });
    writeFileAtomic.sync(this.paths.ipam, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Read, change and write the IPAM state under the lock. */
  updateIpam<T>(fn: (state: IpamState) => T): Promise<T> {
    return this.withLock(async () => {
      const state = this.readIpam();
      const result = fn(state);
      this.writeIpam(state);
      return result;
    });
  }

  readSysctl(): { ipForwardWas?: string } {
    return readJson(this.paths.sysctl) ?? {};
  }

  writeSysctl(value: { ipForwardWas?: string }): void {
    mkdirSync(this.paths.dir, { recursive: true });
    writeFileAtomic.sync(this.paths.sysctl, `${JSON.stringify(value)}\n`);
  }

  clearSysctl(): void {
    rmSync(this.paths.sysctl, { force: true });
  }
}
