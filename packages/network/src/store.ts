import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { NotFoundError, withFileLock } from '@mydocker/core';
import { DamagedFileError, ipamProblem, networkProblem } from './file-checks';
import { emptyIpam } from './ipam';
import type { IpamState, NetworkConfig } from './model';
import type { NetworkPaths } from './paths';

/** The file's text, undefined when it does not exist; a file that cannot be read is damaged. */
function readText(path: string): string | { problem: string } | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { problem: `it cannot be read (${code ?? (err as Error).message})` };
  }
}

function readJson<T>(path: string): T | undefined {
  const text = readText(path);
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A network whose record cannot be used: `network ls` shows it, `network rm` and prune remove it. */
export interface DamagedNetwork {
  name: string;
  path: string;
  reason: string;
}

export function damagedNetworkError(d: DamagedNetwork): DamagedFileError {
  return new DamagedFileError(
    `The network file ${d.path} is damaged (${d.reason}): remove the network with \`mydocker network rm ${d.name}\` or \`mydocker system prune\`, then create it again.`,
    d.path,
  );
}

/** Networks and IPAM state on disk. Writers hold `withLock`; files are replaced atomically. */
export class NetworkStore {
  constructor(readonly paths: NetworkPaths) {}

  /** Exclusive across processes: twenty concurrent `run`s queue here for their addresses. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.paths.lock, fn, { staleMs: 15_000, busyMessage: 'The network store is busy: another mydocker command holds its lock.' });
  }

  /** Every network file, sorted by name: the usable ones and the damaged ones. */
  scan(): { networks: NetworkConfig[]; damaged: DamagedNetwork[] } {
    let files: string[];
    try {
      files = readdirSync(this.paths.dir);
    } catch {
      return { networks: [], damaged: [] };
    }
    const networks: NetworkConfig[] = [];
    const damaged: DamagedNetwork[] = [];
    for (const f of files.sort()) {
      // write-file-atomic's temporary files end in .json.<hash>; only <name>.json is a record.
      if (!f.endsWith('.json') || f === 'ipam.json' || f === 'sysctl.json') continue;
      const name = f.slice(0, -'.json'.length);
      const path = this.paths.network(name);
      const text = readText(path);
      if (text === undefined) continue; // removed meanwhile
      const reason = typeof text === 'string' ? networkProblem(text, name) : text.problem;
      if (reason === undefined) networks.push(JSON.parse(text as string) as NetworkConfig);
      else damaged.push({ name, path, reason });
    }
    return { networks, damaged };
  }

  list(): NetworkConfig[] {
    return this.scan().networks;
  }

  damaged(): DamagedNetwork[] {
    return this.scan().damaged;
  }

  /** A damaged record of that exact name is an error that says what to do, never "not found". */
  find(name: string): NetworkConfig | undefined {
    if (name === 'ipam' || name === 'sysctl') return undefined;
    const { networks, damaged } = this.scan();
    const exact = networks.find((n) => n.name === name);
    if (exact) return exact;
    const broken = damaged.find((d) => d.name === name);
    if (broken) throw damagedNetworkError(broken);
    return networks.find((n) => name.length >= 6 && n.id.startsWith(name));
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

  /** The IPAM state; a DamagedFileError (pointing at `system prune`, which rebuilds it) when unusable. */
  readIpam(): IpamState {
    const text = readText(this.paths.ipam);
    if (text === undefined) return emptyIpam();
    const reason = typeof text === 'string' ? ipamProblem(text) : text.problem;
    if (reason !== undefined) {
      throw new DamagedFileError(
        `The network address file ${this.paths.ipam} is damaged (${reason}): run \`mydocker system prune\` to rebuild it from the container records.`,
        this.paths.ipam,
      );
    }
    const state = JSON.parse(text as string) as IpamState;
    state.allocations ??= {};
    state.ports ??= {};
    return state;
  }

  /** The IPAM state, or the error that says it is damaged (for paths that must go on without it). */
  tryReadIpam(): IpamState | DamagedFileError {
    try {
      return this.readIpam();
    } catch (err) {
      if (err instanceof DamagedFileError) return err;
      throw err;
    }
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
