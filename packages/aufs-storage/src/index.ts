// The plugin class lives in ./plugin (package.json's "mydocker.plugin" entry), so that loading the plugin
// on every command does not load what this public face re-exports.
import StoragePlugin from './plugin';

export default StoragePlugin;
export { StoragePlugin };
export { OverlayDriver } from './drivers/overlay';
export { AufsDriver, aufsToOverlay, overlayToAufs } from './drivers/aufs';
export { UnionDriver } from './drivers/union-driver';
export { overlayRegistration, aufsRegistration, filesystemSupported } from './drivers/registrations';
export { overlayMountOptions, aufsMountOptions } from './drivers/mount-options';
export { parseVolumeSpec, parseVolumeSpecs, type VolumeSpec } from './volumes/volume-spec';
export type { StorageExt, VolumeMount } from './storage';
