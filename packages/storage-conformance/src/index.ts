export { describeStorageDriver, type ConformanceOptions } from './suite';
export { buildLayer, expectedView, standardLayers, file, dir, symlink, whiteout, type LayerEntry, type ViewEntry } from './fixtures';
export { snapshotTree, describeView, alignMtimes, asObject, type SnapshotOptions } from './snapshot';
export { makeWhiteout, isWhiteout, setOpaque, isOpaque, OPAQUE_XATTR } from './overlay-format';
