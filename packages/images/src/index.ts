// The plugin class lives in ./plugin (package.json's "mydocker.plugin" entry), so that loading the plugin
// on every command does not load what this public face re-exports.
import ImagesPlugin from './plugin';

export default ImagesPlugin;
export { ImagesPlugin };
export { parseReference, familiarName, fullString, storeName, withDefaultTag, type Reference } from './reference';
export { parseChallenges, type Challenge } from './challenge';
export { choosePlatform, hostPlatform, formatPlatform, type Platform } from './platform';
export { RegistryClient, RegistryError, type Credentials } from './registry-client';
export { PushClient } from './push-client';
export { push } from './push';
export { pull, type PullOptions } from './pull';
export { LocalImageStore, type StoredImage } from './store/image-store';
export { applyChanges } from './commands/changes';
export { parseImageFilters, applyImageFilters } from './commands/filters';
