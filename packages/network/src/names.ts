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
