import { closeSync, fsync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import {
  assertValidName,
  assertValidReference,
  ConflictError,
  damagedRecord,
  MydockerError,
  NotFoundError,
  removeTree,
  shortId,
  UsageError,
  type ContainerRecord,
  type EngineConfig,
  type StateStore,
} from '@mydocker/core';
import { writeFileAtomic } from './atomic-write';
import { DEFAULT_LOCK_TIMINGS, FileLocks, type LockTimings } from './file-lock';
import { isContainerEntry, isRemovingEntry, StoreLayout } from './layout';
import { mountsUnder } from './mounts';
import { CorruptRecordError, parseRecord, serializeRecord } from './record-file';

export interface StoreOptions {
  locks?: Partial<LockTimings>;
  /** Where one-line warnings go (unreadable records); stderr by default. */
  warn?: (message: string) => void;
}

const STORE_LOCK = 'store';

const fsyncAsync = promisify(fsync);

function isErrno(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? '');
}

export function nameConflict(name: string, id: string): ConflictError {
  return new ConflictError(
    `Conflict. The container name "${name}" is already in use by container ${id}. You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

/**
 * Container records as files under `<root>/containers/<id>/config.json`, a name index under
 * `<root>/names/<name>` (each file holds the id), and cross-process locks under `<runRoot>/locks`.
 */
export class FileStateStore implements StateStore {
  readonly layout: StoreLayout;
  private readonly locks: FileLocks;
  private readonly warn: (message: string) => void;

  constructor(config: Pick<EngineConfig, 'root' | 'runRoot'>, options: StoreOptions = {}) {
    this.layout = new StoreLayout(config);
    this.warn = options.warn ?? ((m) => process.stderr.write(`${m}\n`));
    this.locks = new FileLocks(this.layout.locks, { ...DEFAULT_LOCK_TIMINGS, ...options.locks }, this.warn);
  }

  containerDir(id: string): string {
    assertValidReference(id);
    return this.layout.containerDir(id);
  }

  /** The id a name belongs to, if that container still exists (a name left by a crash does not count). */
  async nameOwner(name: string): Promise<string | undefined> {
    let id: string;
    try {
      id = readFileSync(this.layout.nameFile(name), 'utf8').trim();
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
    return (await this.containerExists(id)) ? id : undefined;
  }

  async reserve(record: ContainerRecord): Promise<void> {
    assertValidName(record.name);
    assertValidReference(record.id);
    mkdirSync(this.layout.names, { recursive: true });
    mkdirSync(this.layout.containers, { recursive: true });
    await this.locks.withLock(STORE_LOCK, 'The container store is busy: another mydocker command holds its lock.', async () => {
      if (await this.containerExists(record.id)) throw new ConflictError(`A container with id ${record.id} already exists.`);
      await this.claimName(record.name, record.id);
      try {
        await this.placeRecord(record);
      } catch (err) {
        await this.releaseName(record.name, record.id);
        throw err;
      }
    });
  }

  /**
   * Gives a container a new name: the new name is claimed (exclusive create, under the store lock, as
   * `reserve` does), the record saved with it, and only then the old name released, so that at no moment
   * has the container no name and never do two containers hold one. The caller holds the container's lock.
   */
  async rename(id: string, newName: string): Promise<ContainerRecord> {
    assertValidName(newName);
    return this.locks.withLock(STORE_LOCK, 'The container store is busy: another mydocker command holds its lock.', async () => {
      const record = await this.find(id);
      if (!record) throw new NotFoundError(`No such container: ${id}`);
      const oldName = record.name;
      if (oldName === newName) throw new ConflictError(`Renaming a container with the same name as its current name: ${newName}.`);
      await this.claimName(newName, record.id);
      try {
        await this.save({ ...record, name: newName });
      } catch (err) {
        await this.releaseName(newName, record.id);
        throw err;
      }
      await this.releaseName(oldName, record.id);
      return { ...record, name: newName };
    });
  }

  /** Exclusive create, so that even a lock taken over as stale cannot let two containers share a name. */
  private async claimName(name: string, id: string): Promise<void> {
    const path = this.layout.nameFile(name);
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, id);
          await fsyncAsync(fd);
        } finally {
          closeSync(fd);
        }
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST') || attempt > 0) {
          if (isErrno(err, 'EEXIST')) throw nameConflict(name, (await this.nameOwner(name)) ?? 'unknown');
          throw err;
        }
        const owner = await this.nameOwner(name);
        if (owner) throw nameConflict(name, owner);
        try {
          unlinkSync(path);
        } catch (e) {
          if (!isErrno(e, 'ENOENT')) throw e;
        }
      }
    }
  }

  private async releaseName(name: string, id: string): Promise<void> {
    const path = this.layout.nameFile(name);
    try {
      if (readFileSync(path, 'utf8').trim() === id) unlinkSync(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    }
  }

  /** Writes the first record in a staging directory and renames it into place: the directory appears complete. */
  private async placeRecord(record: ContainerRecord): Promise<void> {
    const staging = this.layout.stagingDir(record.id);
    await removeTree(staging);
    mkdirSync(staging);
    try {
      // Not synced: the record the create hook writes next (Stage.RECORD) replaces it, synced. A power
      // loss in between can only leave an empty record, which reads as damaged and `rm -f` removes: the
      // same end as the stub would have had (a container whose create never finished).
      await this.writeAtomic(`${staging}/config.json`, serializeRecord(record), false);
      renameSync(staging, this.layout.containerDir(record.id));
    } catch (err) {
      await removeTree(staging);
      throw err;
    }
  }

  private async writeAtomic(path: string, data: string, durable = true): Promise<void> {
    await writeFileAtomic(path, data, durable);
  }

  /**
   * Writes the record (atomically: a reader sees the old or the new one). `durable: false` skips the
   * fsync, for a state that a power loss may lose because nothing depends on it (see the plugin).
   */
  async save(record: ContainerRecord, options: { durable?: boolean } = {}): Promise<void> {
    assertValidReference(record.id);
    // A damaged record's stub is not the truth: writing it would replace what is left of the real one.
    if (record.damaged) return;
    if (!(await this.containerExists(record.id))) throw new NotFoundError(`No such container: ${record.id}`);
    try {
      await this.writeAtomic(this.layout.recordFile(record.id), serializeRecord(record), options.durable !== false);
    } catch (err) {
      if (isErrno(err, 'ENOSPC', 'EDQUOT')) {
        throw new MydockerError(
          `No space left on the device of ${this.layout.containers} to save the record of container ${record.name}: free space and retry.`,
        );
      }
      throw err;
    }
  }

  async get(ref: string): Promise<ContainerRecord> {
    const record = await this.find(ref);
    if (!record) throw new NotFoundError(`No such container: ${ref}`);
    return record;
  }

  async find(ref: string): Promise<ContainerRecord | undefined> {
    assertValidReference(ref);
    const id = await this.resolveId(ref);
    return id === undefined ? undefined : this.load(id);
  }

  /** Exact name, then full id, then a unique id prefix. */
  private async resolveId(ref: string): Promise<string | undefined> {
    const byName = await this.nameOwner(ref);
    if (byName) return byName;
    if (await this.containerExists(ref)) return ref;
    const matches = (await this.ids()).filter((id) => id.startsWith(ref));
    if (matches.length > 1) {
      throw new UsageError(`The id prefix "${ref}" matches ${matches.length} containers: give more characters of the id, or the name.`);
    }
    return matches[0];
  }

  private async containerExists(id: string): Promise<boolean> {
    if (!isContainerEntry(id)) return false;
    try {
      return statSync(this.layout.containerDir(id)).isDirectory();
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
      throw err;
    }
  }

  /** The ids of every container directory, including those whose record cannot be read. */
  async ids(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.layout.containers, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    return entries.filter((e) => e.isDirectory() && isContainerEntry(e.name)).map((e) => e.name);
  }

  /** The record, a damaged stub if it cannot be read, or undefined if the container is gone. */
  private async load(id: string): Promise<ContainerRecord | undefined> {
    try {
      return parseRecord(readFileSync(this.layout.recordFile(id), 'utf8'), id);
    } catch (err) {
      return this.damaged(id, err);
    }
  }

  /** Why a record could not be read, as a stub: undefined when the container's directory is gone (removed meanwhile). */
  private async damaged(id: string, err: unknown): Promise<ContainerRecord | undefined> {
    if (!(err instanceof CorruptRecordError) && !isErrno(err, 'ENOENT', 'EISDIR', 'EACCES', 'EIO')) throw err;
    let created: Date;
    try {
      created = (await stat(this.layout.containerDir(id))).mtime;
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    }
    const reason = err instanceof CorruptRecordError ? err.message : isErrno(err, 'ENOENT') ? 'its record file is missing' : (err as Error).message;
    return damagedRecord(id, await this.nameOf(id), reason, created);
  }

  /** Reverse lookup in the name index, for records that cannot be read. */
  private async nameOf(id: string): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(this.layout.names);
    } catch {
      return undefined;
    }
    for (const name of names) {
      try {
        if (readFileSync(this.layout.nameFile(name), 'utf8').trim() === id) return name;
      } catch {
        // Removed meanwhile.
      }
    }
    return undefined;
  }

  /**
   * Every record, without locks: records are only ever replaced by rename and removed by renaming their
   * directory away, so a read sees a whole old record, a whole new one, or none. Damaged ones are listed
   * as stubs (status `unknown`) with one warning line for all of them. The reads are synchronous
   * on purpose: a small file from the page cache takes ~10 µs that way, while fs.promises.readFile
   * makes several thread-pool round trips per file (1,000 records: ~12 ms against ~100 ms).
   */
  async list(): Promise<ContainerRecord[]> {
    const records: ContainerRecord[] = [];
    const damaged: ContainerRecord[] = [];
    for (const id of await this.ids()) {
      try {
        records.push(parseRecord(readFileSync(this.layout.recordFile(id), 'utf8'), id));
      } catch (err) {
        const stub = await this.damaged(id, err);
        if (stub) damaged.push(stub);
      }
    }
    if (damaged.length > 0) {
      const which = damaged.map((r) => `${shortId(r.id)}: ${r.damage}`).join('; ');
      this.warn(
        `mydocker: warning: ${damaged.length === 1 ? 'a container record is' : `${damaged.length} container records are`} damaged (${which}); \`rm -f\` removes them.`,
      );
    }
    return [...records, ...damaged];
  }

  /**
   * Renames the directory away first (no space needed, atomic): every other reader sees the container
   * whole or gone, never a directory without its record. Then the name is released and the files go.
   */
  async delete(id: string): Promise<void> {
    assertValidReference(id);
    const dir = this.layout.containerDir(id);
    const mounted = await mountsUnder(dir);
    if (mounted.length > 0) {
      throw new Error(`Cannot delete the directory of container ${shortId(id)}: ${mounted[0]} is still mounted.`);
    }
    let name: string | undefined;
    try {
      name = parseRecord(readFileSync(this.layout.recordFile(id), 'utf8'), id).name;
    } catch (err) {
      if (!(err instanceof CorruptRecordError) && !isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    }
    name ??= await this.nameOf(id);
    const grave = this.layout.removingDir(id);
    await removeTree(grave);
    try {
      renameSync(dir, grave);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (name) {
      const known = name;
      await this.locks.withLock(STORE_LOCK, 'The container store is busy: another mydocker command holds its lock.', () => this.releaseName(known, id));
    }
    await removeTree(grave);
  }

  /** Directories a removal killed half-way left behind (renamed away, not yet deleted). */
  async removeLeftovers(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.layout.containers);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const entry of entries.filter(isRemovingEntry)) {
      const path = join(this.layout.containers, entry);
      if ((await mountsUnder(path)).length > 0) continue;
      await removeTree(path);
      removed.push(path);
    }
    return removed;
  }

  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    assertValidReference(id);
    return this.locks.withLock(
      `container-${id}`,
      `Container ${shortId(id)} is busy: another mydocker command is working on it; try again when it finishes.`,
      fn,
    );
  }
}
