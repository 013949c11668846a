import type { EngineConfig } from '@mydocker/core';
import { describeStorageDriver } from '@mydocker/storage-conformance';
import { OverlayDriver } from '../drivers/overlay';

const config = (home: string): EngineConfig => ({
  root: home,
  runRoot: `${home}/run`,
  cgroupParent: 'mydocker-test',
  defaultImage: 'busybox',
  plugins: [],
  pluginOptions: {},
  selfCommand: [],
});

describeStorageDriver('overlay', (home) => new OverlayDriver({ home, config: config(home) }), { requiresRoot: true });
