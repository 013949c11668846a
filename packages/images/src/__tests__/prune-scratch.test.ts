/**
 * `system prune`: the images plugin removes the scratch of killed imports, loads and pulls, and leaves
 * the scratch of a command that still runs.
 */
import { LifecycleBus, loadConfig, type PruneReport } from '@mydocker/core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ImagesPlugin from '../index';

const dir = mkdtempSync(join(tmpdir(), 'images-prune-'));
const config = loadConfig({ env: {}, flags: { root: join(dir, 'root'), runRoot: join(dir, 'run'), cgroupParent: 'mydocker-unit-none' } });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("prune removes a dead process's scratch and keeps a live one's", async () => {
  const bus = new LifecycleBus(config);
  new ImagesPlugin().apply(bus);
  // Scratch left by a killed import: pid 1's start time never matches this made-up one.
  mkdirSync(join(config.root, 'layers', '.tmp-1-1-0123456789ab', 'diff'), { recursive: true });
  mkdirSync(join(config.root, 'tmp', 'load-1-1-0123456789ab'), { recursive: true });
  const live = join(config.root, 'tmp', `load-${process.pid}-0-0123456789ab`);
  mkdirSync(live, { recursive: true });
  const report = { knownIds: new Set(), removed: [] } as unknown as PruneReport;
  await bus.hooks.prune.promise(report);
  expect(existsSync(join(config.root, 'layers', '.tmp-1-1-0123456789ab'))).toBe(false);
  expect(existsSync(join(config.root, 'tmp', 'load-1-1-0123456789ab'))).toBe(false);
  expect(existsSync(live)).toBe(true);
  expect(report.removed).toEqual(['1 unfinished layer', '1 unfinished load or save scratch directory']);
});
