/** Linux interface names: at most 15 bytes, no '/', ':' or whitespace. */
export const IFNAMSIZ = 15;

export function isUsableIfname(name: string): boolean {
  return name.length > 0 && name.length <= IFNAMSIZ && /^[a-zA-Z0-9_.-]+$/.test(name);
}

/** The seed names the bridge like the network; longer names (or taken ones) get one derived from the id. */
export function bridgeName(network: string, id: string, taken: Set<string>): string {
  if (isUsableIfname(network) && !taken.has(network) && !network.startsWith('veth')) return network;
  for (let k = 0; k + 10 <= id.length; k += 10) {
    const name = `mdbr-${id.slice(k, k + 10)}`;
    if (!taken.has(name)) return name;
  }
  throw new Error('no free bridge name');
}

/** "veth" + 7 hex of the container id, moving along the id when that name is taken. */
export function vethName(containerId: string, taken: Set<string>): string {
  for (let k = 0; k + 7 <= containerId.length; k++) {
    const name = `veth${containerId.slice(k, k + 7)}`;
    if (!taken.has(name)) return name;
  }
  throw new Error('no free veth name');
}

/**
 * Interface aliases (IFLA_IFALIAS) that tie a bridge or host veth to this engine root and its owner, so
 * that `system prune` and the removal of damaged records find them from the kernel alone:
 * `mydocker:<root hash>:net:<network>` and `mydocker:<root hash>:ctr:<container id>`.
 */
export function bridgeAlias(rootHash: string, network: string): string {
  return `mydocker:${rootHash}:net:${network}`;
}

export function vethAlias(rootHash: string, containerId: string): string {
  return `mydocker:${rootHash}:ctr:${containerId}`;
}

export type AliasOwner = { kind: 'net'; network: string } | { kind: 'ctr'; id: string };

/** The owner an alias names, when it belongs to this root. */
export function parseAlias(rootHash: string, alias: string): AliasOwner | undefined {
  const prefix = `mydocker:${rootHash}:`;
  if (!alias.startsWith(prefix)) return undefined;
  const rest = alias.slice(prefix.length);
  if (rest.startsWith('net:') && rest.length > 4) return { kind: 'net', network: rest.slice(4) };
  const m = /^ctr:([0-9a-f]{64})$/.exec(rest);
  return m ? { kind: 'ctr', id: m[1] } : undefined;
}
