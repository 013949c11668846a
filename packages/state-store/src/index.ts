import { StateStorePlugin } from './plugin';

export { FileStateStore, nameConflict, type StoreOptions } from './store';
export { FileLocks, DEFAULT_LOCK_TIMINGS, type LockTimings } from './file-lock';
export { StoreLayout } from './layout';
export { StateStorePlugin, runningRefusal } from './plugin';
export default StateStorePlugin;
