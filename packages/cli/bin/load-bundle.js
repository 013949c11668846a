'use strict';
/**
 * Loads dist/mydocker.js (the CLI bundle) as a CommonJS module with V8's code cache: the bytecode of the
 * functions a command runs, made by the build (build.js runs a command and saves
 * `script.createCachedData()` to dist/mydocker.js.cache), so a command compiles almost nothing.
 *
 * The cache is used only for the very bundle and Node it was made for: its header names the Node and V8
 * versions, the architecture and the bundle's size and mtime (V8's own check compares only the source's
 * length, and rejects other V8 flags). Anything else — no cache, another Node, a rebuilt bundle, a cache
 * V8 rejects — loads the bundle without it, as a plain `require` would: the cache only saves time.
 *
 * MYDOCKER_CODE_CACHE=write (build.js only): on exit, write the cache for the functions compiled so far.
 * MYDOCKER_CODE_CACHE=off: load without it (the bench's before/after).
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const MAGIC = 'MDCC1';

function identity(stat) {
  return JSON.stringify({ node: process.version, v8: process.versions.v8, arch: process.arch, size: stat.size, mtimeMs: stat.mtimeMs });
}

/** The cached data for `stat`'s bundle, or undefined. File: MAGIC, u32 header length, header, data. */
function readCache(cacheFile, stat) {
  let buf;
  try {
    buf = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + headerLength > buf.length || buf.toString('utf8', start, start + headerLength) !== identity(stat)) return undefined;
  return buf.subarray(start + headerLength);
}

function writeCache(cacheFile, stat, data) {
  const header = Buffer.from(identity(stat));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  // Written beside and renamed, so a reader never sees half a cache.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, header, data]));
  fs.renameSync(tmp, cacheFile);
}

function loadBundle(file) {
  const cacheFile = `${file}.cache`;
  const source = fs.readFileSync(file, 'utf8');
  const stat = fs.statSync(file);
  const writing = process.env.MYDOCKER_CODE_CACHE === 'write';
  const cachedData = writing || process.env.MYDOCKER_CODE_CACHE === 'off' ? undefined : readCache(cacheFile, stat);
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  if (writing) process.once('exit', () => writeCache(cacheFile, stat, script.createCachedData()));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

module.exports = { loadBundle };
