import { scratchName } from '@mydocker/core';
import type { CommandContext, CommandSpec, ContainerRecord, LifecycleBus, StorageDriver } from '@mydocker/core';
import { UsageError } from '@mydocker/core';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
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
  return (record.mounts ?? []).filter((m) => m.type === 'bind').map((m) => ({ source: m.source, destination: m.destination, readOnly: m.readOnly }));
}

function driverFor(bus: LifecycleBus, name: string | undefined): StorageDriver {
  const configured = bus.storageDriver();
  if (!name || configured.name === name) return configured;
  const registration = bus.storageDriverRegistration(name);
  if (!registration)
    throw new UsageError(`The container's storage driver "${name}" is not installed: add the package that provides it to the config's "plugins".`);
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

/**
 * yargs reads a lone "-" as an option with no name and hands the positional over as "" (which then named
 * the current directory): a "" that stands for a "-" on the command line is the tar stream; a real empty
 * argument gets Docker's refusal.
 */
function endpointArg(value: unknown, what: 'source' | 'destination'): string {
  const text = value === undefined || value === true ? '' : String(value);
  if (text !== '') return text;
  if (process.argv.slice(2).includes('-')) return '-';
  throw new UsageError(`The ${what} can not be empty.`);
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
      const plan = planCopy(endpointArg(args.src, 'source'), endpointArg(args.dest, 'destination'));
      const store = ctx.bus.need('stateStore', 'The cp command');
      const record = await store.get(plan.container);
      const { ContainerFs } = await import('./container-fs');
      const { checkTarDestination, copyFromContainer, copyToContainer } = await import('./copy');
      const options = {
        archive: Boolean(args.archive),
        followLink: Boolean(args.followLink ?? args['follow-link'] ?? args.L),
        warn: (message: string) => ctx.stderr.write(`${message}\n`),
      };
      // A tar stream goes through a scratch directory: extracted there by the layer extractor (which never
      // follows an entry's path through a symlink), then copied by the same code as a host directory.
      const stream = (plan.direction === 'in' && plan.src === '-') || (plan.direction === 'out' && plan.dest === '-');
      const scratch = stream ? join(ctx.config.root, 'tmp', scratchName('cp-')) : undefined;
      try {
        if (scratch) await mkdir(scratch, { recursive: true, mode: 0o700 });
        if (scratch && plan.direction === 'in') {
          const images = ctx.bus.need('images', 'Copying a tar stream');
          if (!images.extractArchive) throw new UsageError('The installed @mydocker/images cannot read tar streams: update it.');
          await images.extractArchive(process.stdin, scratch).catch((err: NodeJS.ErrnoException) => {
            if (typeof err?.code === 'string' && err.code.startsWith('TAR_'))
              throw new UsageError(`The input of "cp -" is not a tar archive (${err.message}).`);
            throw err;
          });
        }
        await store.withLock(record.id, async () =>
          withRoot(ctx.bus, record, (root, volumes) => {
            const ext = record.ext.storage as StorageExtForCp | undefined;
            const cfs = new ContainerFs(
              root,
              volumes,
              record.spec?.readOnly === true,
              (ext?.volumes ?? []).map((v) => v.destination),
            );
            if (plan.direction === 'out') {
              copyFromContainer(
                cfs,
                plan.src,
                scratch ? `${scratch}/` : absoluteHostPath(plan.dest),
                scratch ? { ...options, archive: true } : options,
                record.name,
              );
            } else if (scratch) {
              checkTarDestination(cfs, plan.dest, record.name);
              copyToContainer(cfs, `${scratch}/.`, plan.dest, { ...options, archive: true }, record.name);
            } else {
              copyToContainer(cfs, absoluteHostPath(plan.src), plan.dest, options, record.name);
            }
          }),
        );
        if (scratch && plan.direction === 'out') {
          const images = ctx.bus.need('images', 'Copying a tar stream');
          if (!images.packArchive) throw new UsageError('The installed @mydocker/images cannot write tar streams: update it.');
          await pipeline(images.packArchive(scratch), ctx.stdout, { end: false });
        }
      } catch (err) {
        if (isNoSpace(err)) throw noSpace(plan.direction === 'out' ? absoluteHostPath(plan.dest) : ctx.config.root);
        throw err;
      } finally {
        if (scratch) await rm(scratch, { recursive: true, force: true });
      }
      return 0;
    },
  };
}
