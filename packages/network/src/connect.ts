import { ConflictError, UsageError } from '@mydocker/core';
import type { NetworkLifecycle } from './lifecycle';
import { PLUGIN } from './lifecycle';
import { attachEndpoint, deleteLink } from './links';
import type { NetworkExt } from './model';
import { vethAlias } from './names';

/** `network connect NET CONTAINER`: one more veth and address for a running bridged container. */
export async function connect(life: NetworkLifecycle, netName: string, ref: string): Promise<string> {
  const { bus } = life.env;
  const states = bus.need('stateStore', 'network connect');
  const runtime = bus.need('runtime', 'network connect');
  const net = life.bridge.network(netName);
  const found = await states.get(ref);
  return states.withLock(found.id, async () => {
    const record = await states.get(found.id);
    if (!(record.status === 'running' && runtime.isRunning(record)))
      throw new ConflictError(`Container ${record.name} is not running: start it before connecting it to a network.`);
    const ext = record.ext[PLUGIN] as NetworkExt | undefined;
    if (!ext || ext.mode !== 'bridge') {
      throw new UsageError(`Container ${record.name} runs with --net ${ext?.mode ?? 'none'}, which cannot be combined with other networks.`);
    }
    if (ext.endpoints.some((e) => e.network === net.name)) throw new ConflictError(`Container ${record.name} is already connected to network ${net.name}.`);
    const used = new Set(ext.endpoints.map((e) => e.ifname));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const ep = await life.bridge.reserve(record, net, [], `eth${n}`);
    try {
      await attachEndpoint(record.pid!, ep, false, vethAlias(life.env.paths.rootHash, record.id));
      ext.endpoints.push(ep);
      await states.save(record);
    } catch (err) {
      await deleteLink(ep.hostVeth).catch(() => undefined);
      await life.bridge.releaseAddresses(record.id, net.name);
      throw err;
    }
    return `${ep.ifname} ${ep.ip}`;
  });
}

/** `network disconnect NET CONTAINER`: the veth goes (its peer with it) and the address is released. */
export async function disconnect(life: NetworkLifecycle, netName: string, ref: string): Promise<void> {
  const { bus } = life.env;
  const states = bus.need('stateStore', 'network disconnect');
  const found = await states.get(ref);
  await states.withLock(found.id, async () => {
    const record = await states.get(found.id);
    const ext = record.ext[PLUGIN] as NetworkExt | undefined;
    const index = ext?.endpoints.findIndex((e) => e.network === netName) ?? -1;
    if (!ext || index < 0) throw new UsageError(`Container ${record.name} is not connected to network ${netName}.`);
    if (index === 0 && ext.ports.length > 0) {
      throw new ConflictError(`Container ${record.name} publishes ports through network ${netName}: stop it instead of disconnecting it.`);
    }
    const [ep] = ext.endpoints.splice(index, 1);
    await deleteLink(ep.hostVeth);
    await life.bridge.releaseAddresses(record.id, netName);
    const primary = ext.endpoints[0];
    Object.assign(ext, { network: primary?.network, ip: primary?.ip, gateway: primary?.gateway, mac: primary?.mac, hostVeth: primary?.hostVeth });
    await states.save(record);
  });
}
