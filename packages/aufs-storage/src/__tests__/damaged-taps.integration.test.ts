/**
 * A record the state store could not read reaches the taps as `{ id, damaged: true, ext: {} }`: the
 * storage taps must still unmount and remove the container's layer, from the id alone, and not throw.
 */
import { ContainerContext, emptyRunSpec, Engine, LifecycleBus, loadConfig, type ContainerRecord, type PruneReport } from '@mydocker/core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import StoragePlugin from '../index';
import { isMountPoint } from '../util/mounts';

const dir = mkdtempSync(join(tmpdir(), 'storage-damaged-'));
const config = loadConfig({ env: {}, flags: { root: join(dir, 'root'), runRoot: join(dir, 'run'), cgroupParent: 'mydocker-unit-none' } });

/** Images are another package's (core's `images` service): here a hand-made layer stands in for the store. */
function lowerLayer(): string {
  const layer = join(dir, 'lower');
  mkdirSync(join(layer, 'bin'), { recursive: true });
  return layer;
}

function setup() {
  const bus = new LifecycleBus(config);
  new StoragePlugin().apply(bus);
  bus.provide('images', 'test', {
    resolve: async () => ({ id: 'e'.repeat(64), name: 'lower', config: { env: [], cmd: ['true'], entrypoint: [], workdir: '/' }, layers: [lowerLayer()] }),
  });
  return { bus, engine: new Engine(bus) };
}

function damaged(id: string): ContainerRecord {
  return { ...setup().engine.newRecord(emptyRunSpec()), id, name: id, damaged: true, ext: {} } as ContainerRecord;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage taps on a damaged record', () => {
  it('unmount and remove the layer from the id alone', async () => {
    const { bus, engine } = setup();
    const ctx = new ContainerContext(config, engine.newRecord(emptyRunSpec({ command: ['true'] })));
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    // `prepare` mounts the root (this bus has no runtime that would mount it itself).
    await bus.hooks.prepare.promise(ctx);
    const layer = join(config.root, 'storage', bus.storageDriver().name, 'containers', ctx.id);
    expect(isMountPoint(join(layer, 'merged'))).toBe(true);

    const broken = new ContainerContext(config, damaged(ctx.id));
    await bus.hooks.stopped.promise(broken);
    expect(isMountPoint(join(layer, 'merged'))).toBe(false);
    expect(existsSync(layer)).toBe(true);
    await bus.hooks.remove.promise(broken);
    expect(existsSync(layer)).toBe(false);
  });

  it('do not throw when the record has no ext at all, or nothing of it exists', async () => {
    const { bus } = setup();
    const record = damaged('f'.repeat(64));
    const bare = new ContainerContext(config, { ...record, ext: undefined } as unknown as ContainerRecord);
    await expect(bus.hooks.stopped.promise(bare)).resolves.toBeUndefined();
    await expect(bus.hooks.remove.promise(bare)).resolves.toBeUndefined();
  });

  it('prune removes a container layer no record owns, still mounted', async () => {
    const { bus, engine } = setup();
    const ctx = new ContainerContext(config, engine.newRecord(emptyRunSpec({ command: ['true'] })));
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    const report: PruneReport = { knownIds: new Set(), removed: [] } as unknown as PruneReport;
    await bus.hooks.prune.promise(report);
    expect(existsSync(join(config.root, 'storage', bus.storageDriver().name, 'containers', ctx.id))).toBe(false);
  });
});
