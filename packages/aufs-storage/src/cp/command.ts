import type { CommandContext, CommandSpec, ContainerRecord, LifecycleBus, StorageDriver } from '@mydocker/core';
import { UsageError } from '@mydocker/core';
import { absoluteHostPath, planCopy } from './args';
import type { CpVolume } from './container-fs';
import { isNoSpace, noSpace } from '../util/no-space';

/** The part of `record.ext.storage` that cp reads. */
interface StorageExtForCp {
  driver?: string;
  volumes?: Array<{ destination: string }>;
}

/**
 * Every bind mount the container has (volumes, and /etc/hosts, /etc/hostname, /etc/resolv.conf from the
 * network plugin): cp reads and writes their sources, as the container's processes see them.
 */
function bindMounts(record: ContainerRecord): CpVolume[] {
  return (record.mounts ?? [])
    .filter((m) => m.type === 'bind')
    .map((m) => ({ source: m.source, destination: m.destination, readOnly: m.readOnly }));
}

function driverFor(bus: LifecycleBus, name: string | undefined): StorageDriver {
  const configured = bus.storageDriver();
  if (!name || configured.name === name) return configured;
  const registration = bus.storageDriverRegistration(name);
  if (!registration) throw new UsageError(`The container's storage driver "${name}" is not installed: add the package that provides it to the config's "plugins".`);
  return registration.create({ home: `${bus.config.root}/storage/${name}`, config: bus.config });
}

async function withRoot<T>(bus: LifecycleBus, record: ContainerRecord, fn: (root: string, volumes: CpVolume[]) => T): Promise<T> {
  const ext = record.ext.storage as StorageExtForCp | undefined;
  if (!ext) throw new UsageError(`Container ${record.name} has no root filesystem to copy to or from.`);
  const driver = driverFor(bus, ext.driver);
  // A running container's root is mounted already; a stopped one is mounted for the copy only.
  const wasMounted = await driver.isMounted(record.id);
  const root = await driver.mount(record.id);
  try {
    return fn(root, bindMounts(record));
  } finally {
    if (!wasMounted) await driver.unmount(record.id);
  }
}

/** `cp CONTAINER:SRC DEST` and `cp SRC CONTAINER:DEST`, for running and stopped containers. */
export function cpCommand(): CommandSpec {
  return {
    command: 'cp <src> <dest>',
    describe: 'Copy files and directories between a container and the host (SRC or DEST is CONTAINER:PATH)',
    builder: (yargs: any) =>
      yargs
        .positional('src', { type: 'string', describe: 'CONTAINER:PATH or a host path' })
        .positional('dest', { type: 'string', describe: 'CONTAINER:PATH or a host path' })
        .option('archive', { alias: 'a', type: 'boolean', default: false, describe: 'Keep uid/gid of the source' })
        .option('follow-link', { alias: 'L', type: 'boolean', default: false, describe: 'Follow a symlink given as SRC' }),
    async run(args: Record<string, any>, ctx: CommandContext): Promise<number> {
      const plan = planCopy(String(args.src), String(args.dest));
      const store = ctx.bus.need('stateStore', 'The cp command');
      const record = await store.get(plan.container);
      const { ContainerFs } = await import('./container-fs');
      const { copyFromContainer, copyToContainer } = await import('./copy');
      const options = {
        archive: Boolean(args.archive),
        followLink: Boolean(args.followLink ?? args['follow-link'] ?? args.L),
        warn: (message: string) => ctx.stderr.write(`${message}\n`),
      };
      try {
        await store.withLock(record.id, async () =>
          withRoot(ctx.bus, record, (root, volumes) => {
            const ext = record.ext.storage as StorageExtForCp | undefined;
            const cfs = new ContainerFs(root, volumes, record.spec?.readOnly === true, (ext?.volumes ?? []).map((v) => v.destination));
            if (plan.direction === 'out') copyFromContainer(cfs, plan.src, absoluteHostPath(plan.dest), options, record.name);
            else copyToContainer(cfs, absoluteHostPath(plan.src), plan.dest, options, record.name);
          }),
        );
      } catch (err) {
        if (isNoSpace(err)) throw noSpace(plan.direction === 'out' ? absoluteHostPath(plan.dest) : ctx.config.root);
        throw err;
      }
      return 0;
    },
  };
}
