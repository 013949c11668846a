import { describeStorageDriver } from '@mydocker/storage-conformance';
import { VfsDriver } from '../driver';

describeStorageDriver('vfs', (home) => new VfsDriver(home));
