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
const MODULES_MAGIC = 'MDMC1';

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

/**
 * The same for the plugins' modules (each plugin is its own package; a built-in one is loaded from two
 * bundled files, scripts/bundle-plugin.js, a third-party one from its own files): Module.prototype._compile compiles a file with its code cache from
 * dist/modules.cache when the cache names that file with its current size and mtime (and this Node, V8
 * and architecture); any other file, or one that changed since the build, compiles as Node would.
 * The require a cached module receives is the one Node gives it (resolve, cache, main, extensions).
 */
function cacheModules() {
  const cacheFile = path.join(__dirname, '../dist/modules.cache');
  const writing = process.env.MYDOCKER_CODE_CACHE === 'write';
  if (process.env.MYDOCKER_CODE_CACHE === 'off') return;
  const entries = writing ? undefined : readModuleCache(cacheFile);
  if (!writing && !entries) return;
  const compiled = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    const entry = entries?.get(filename);
    if (!writing && !entry) return original.call(this, content, filename);
    const stat = fs.statSync(filename);
    const key = `${stat.size}:${stat.mtimeMs}`;
    if (!writing && entry.key !== key) return original.call(this, content, filename);
    const cachedData = writing ? undefined : entry.data();
    if (!writing && !cachedData) return original.call(this, content, filename);
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (writing) compiled.push({ filename, key, script });
    const req = (id) => this.require(id);
    req.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    req.resolve.paths = (request) => Module._resolveLookupPaths(request, this);
    req.main = process.mainModule;
    req.extensions = Module._extensions;
    req.cache = Module._cache;
    return script.runInThisContext({ displayErrors: true }).call(this.exports, this.exports, req, this, filename, path.dirname(filename));
  };
  if (writing)
    process.once('exit', () => {
      preloadPluginModules(compiled.map((c) => c.filename));
      writeModuleCache(cacheFile, compiled);
    });
}

/**
 * Write mode only: `run --help` loads each plugin's entry but not the modules its taps require on a
 * real `run` (lifecycle, storage, runtime …), which would then compile without a cache on every command.
 * A built-in plugin's entry is one bundle (scripts/bundle-plugin.js) that, in write mode, registered a
 * function requiring each of its modules: those run here, so the bundle's cache entry holds them. For any
 * other plugin, every other compiled module of its package (its dist/; tests and programs — main.js,
 * *-main.js — aside) is required here too, for its entry in the cache. A module that fails to load is
 * simply left out.
 */
function preloadPluginModules(loaded) {
  for (const preload of globalThis[Symbol.for('mydocker.codeCache.preload')] ?? []) preload();
  const dists = new Set();
  const bundled = new Set();
  for (const file of loaded) {
    const at = file.lastIndexOf(`${path.sep}dist${path.sep}`);
    if (at < 0) continue;
    // A bundled plugin's own tsc modules (its public face) are not what a command loads: no entries.
    if (file.endsWith(`${path.sep}plugin.bundle.js`)) bundled.add(file.slice(0, at + 5));
    else dists.add(file.slice(0, at + 5));
  }
  for (const dist of bundled) dists.delete(dist);
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '__tests__' && e.name !== 'node_modules') walk(full);
      else if (e.isFile() && /\.js$/.test(e.name) && !/(^|-)main\.js$|\.test\.js$/.test(e.name)) {
        try {
          require(full);
        } catch {
          /* not loadable alone: no cache entry */
        }
      }
    }
  };
  for (const dist of dists) if (!dist.startsWith(path.join(__dirname, '..'))) walk(dist);
}

function moduleCacheIdentity() {
  return { node: process.version, v8: process.versions.v8, arch: process.arch };
}

/**
 * filename -> { key, data } from dist/modules.cache (MAGIC2, u32 header length, JSON header, data), or
 * undefined. Only the header is read here; an entry's bytes are read (pread) when its module is
 * compiled: the cache holds every plugin module, and a command loads a fraction of them.
 */
function readModuleCache(cacheFile) {
  let fd;
  try {
    fd = fs.openSync(cacheFile, 'r');
  } catch {
    return undefined;
  }
  const read = (length, position) => {
    const buf = Buffer.allocUnsafe(length);
    return fs.readSync(fd, buf, 0, length, position) === length ? buf : undefined;
  };
  try {
    const size = fs.fstatSync(fd).size;
    const start = MODULES_MAGIC.length + 4;
    const head = size >= start ? read(start, 0) : undefined;
    if (!head || head.toString('latin1', 0, MODULES_MAGIC.length) !== MODULES_MAGIC) return closed(fd);
    const headerLength = head.readUInt32LE(MODULES_MAGIC.length);
    if (start + headerLength > size) return closed(fd);
    const header = JSON.parse(read(headerLength, start)?.toString('utf8') ?? 'null');
    if (JSON.stringify(header?.identity) !== JSON.stringify(moduleCacheIdentity())) return closed(fd);
    const entries = new Map();
    let offset = start + headerLength;
    for (const [filename, key, length] of header.files) {
      const at = offset;
      entries.set(filename, { key, data: () => read(length, at) });
      offset += length;
    }
    if (offset !== size) return closed(fd);
    // The descriptor stays open for the process's life (the entries read through it); not inherited.
    return entries;
  } catch {
    return closed(fd);
  }
}

function closed(fd) {
  fs.closeSync(fd);
  return undefined;
}

function writeModuleCache(cacheFile, compiled) {
  const datas = compiled.map((c) => c.script.createCachedData());
  const header = Buffer.from(JSON.stringify({ identity: moduleCacheIdentity(), files: compiled.map((c, i) => [c.filename, c.key, datas[i].length]) }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(MODULES_MAGIC, 'latin1'), length, header, ...datas]));
  fs.renameSync(tmp, cacheFile);
}

/**
 * Node remembers where `require(request)` from a directory led (its relativeResolveCache) only when that
 * require loaded the module. The bundle puts @mydocker/core, tsyringe and tapable into the module cache
 * itself, so every plugin file's `require('@mydocker/core')` walked the node_modules folders, read
 * package.json files and took realpaths again: ~80 resolutions, ~30 ms per `run`. This remembers a
 * resolution under the very key Node uses (the requiring file's directory and the request), for this
 * process only, so a file system change between two commands is seen as Node would see it.
 */
function memoizeResolution() {
  const memo = new Map();
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolveRemembered(request, parent, isMain, options) {
    if (isMain || options !== undefined || !parent?.path) return original.call(this, request, parent, isMain, options);
    const key = `${parent.path}\x00${request}`;
    let filename = memo.get(key);
    if (filename === undefined) {
      filename = original.call(this, request, parent, isMain, options);
      memo.set(key, filename);
    }
    return filename;
  };
}

module.exports = { loadBundle, cacheModules, memoizeResolution };
