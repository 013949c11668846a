'use strict';
/**
 * Loads dist/mydocker.js (the CLI bundle) as a CommonJS module with V8's code cache: the bytecode of the
 * functions a command runs, so a command compiles almost nothing.
 *
 * Two caches, both only saving time:
 * - the build's (dist/mydocker.js.cache, dist/modules.cache): build.js runs `mydocker run --help` and
 *   saves what it compiled, plus the top level of every plugin module. It holds yargs' help machinery and
 *   none of the functions a real `run` calls in its taps, which then compile on every command.
 * - a command's own (dist/code-cache/<command>.bundle and .modules), for the commands scripts run again
 *   and again (OWN_CACHE_COMMANDS): written at the exit of the first such command that succeeds without
 *   a valid one, from what that command compiled. A later run of the command compiles next to nothing.
 *   The module cache of a command grows to the union of what its runs loaded (`run -p` loads the bridge
 *   driver, `run --net none` does not); the bundle's is one V8 script and stays as first written until the
 *   bundle is rebuilt. Where dist/ is not writable (an install owned by another user), nothing is written.
 *
 * A cache is used only for the very bundle and Node it was made for: its header names the Node and V8
 * versions, the architecture and the bundle's size and mtime (V8's own check compares only the source's
 * length, and rejects other V8 flags). Anything else — no cache, another Node, a rebuilt bundle, a cache
 * V8 rejects — loads the bundle without it, as a plain `require` would. A command's own cache is read only
 * when it has the bundle's owner and nobody else may write it: V8 runs its bytecode as this process.
 *
 * MYDOCKER_CODE_CACHE=write (build.js only): on exit, write the build's caches for what was compiled so far.
 * MYDOCKER_CODE_CACHE=off: load without any; =build: the build's alone (the bench's before/after). MYDOCKER_CODE_CACHE=report: say on
 * stderr which cache the bundle used and what was written (the e2e test of this file).
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
  return parseBundleCache(buf, stat);
}

/** Written beside and renamed, so a reader never sees half a cache. Throws (the build reports it). */
function replaceFile(file, chunks) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat(chunks), { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function writeCache(cacheFile, stat, data) {
  replaceFile(cacheFile, bundleCacheChunks(stat, data));
}

// The commands with a code cache of their own: a fixed list, so a file name never comes from the command line.
const OWN_CACHE_COMMANDS = new Set([
  'run',
  'create',
  'start',
  'stop',
  'kill',
  'rm',
  'ps',
  'exec',
  'logs',
  'inspect',
  'wait',
  'restart',
  'images',
  'pull',
  'container-cleanup',
]);
const OWN_CACHE_DIR = path.join(__dirname, '../dist/code-cache');

const mode = process.env.MYDOCKER_CODE_CACHE;
const report = mode === 'report' ? (line) => process.stderr.write(`code cache: ${line}\n`) : () => {};

/**
 * The command whose own cache this process uses and may write, or undefined: the command must be the
 * first word (global flags before it use the build's cache), and help or a failure writes nothing.
 */
function ownCacheCommand(argv) {
  if (mode === 'write' || mode === 'off' || mode === 'build') return undefined;
  const command = argv[0];
  if (!OWN_CACHE_COMMANDS.has(command) || argv.includes('--help') || argv.includes('-h')) return undefined;
  return command;
}

/** Reads `file` if it is a regular file owned by `owner` that no one else may write, else undefined. */
function readTrusted(file, owner) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== owner || (st.mode & 0o022) !== 0) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A command's own cache, as replaceFile writes; a failure (dist/ not writable) only means no cache. */
function writeAtomically(file, chunks) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    replaceFile(file, chunks);
    return true;
  } catch (err) {
    report(`not written: ${err.message}`);
    return false;
  }
}

/**
 * On a successful exit only: what failed half-way (a bad flag, a missing image) compiled an error path,
 * and help compiles yargs' help, neither of which the next run of the command needs.
 */
function onSuccessfulExit(write) {
  process.once('exit', (code) => {
    if (code === 0) write();
  });
}

function parseBundleCache(buf, stat) {
  if (!buf || buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + headerLength > buf.length || buf.toString('utf8', start, start + headerLength) !== identity(stat)) return undefined;
  return buf.subarray(start + headerLength);
}

function bundleCacheChunks(stat, data) {
  const header = Buffer.from(identity(stat));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return [Buffer.from(MAGIC, 'latin1'), length, header, data];
}

function loadBundle(file, argv = []) {
  const cacheFile = `${file}.cache`;
  const source = fs.readFileSync(file, 'utf8');
  const stat = fs.statSync(file);
  const writing = mode === 'write';
  const command = ownCacheCommand(argv);
  const ownFile = command && path.join(OWN_CACHE_DIR, `${command}.bundle`);
  const own = ownFile ? parseBundleCache(readTrusted(ownFile, stat.uid), stat) : undefined;
  const cachedData = writing || mode === 'off' ? undefined : (own ?? readCache(cacheFile, stat));
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const used = own && !script.cachedDataRejected;
  if (command) report(`bundle: ${used ? `${command}'s own` : cachedData && !script.cachedDataRejected ? "the build's" : 'none'}`);
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  if (writing) process.once('exit', () => writeCache(cacheFile, stat, script.createCachedData()));
  else if (ownFile && !used)
    onSuccessfulExit(() => {
      if (writeAtomically(ownFile, bundleCacheChunks(stat, script.createCachedData()))) report(`wrote ${command}.bundle`);
    });
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/**
 * The same for the plugins' modules (each plugin is its own package; a built-in one is loaded from two
 * bundled files, scripts/bundle-plugin.js, a third-party one from its own files): Module.prototype._compile
 * compiles a file with its code cache when a cache names that file with its current size and mtime (and
 * this Node, V8 and architecture) — the command's own cache first, then the build's dist/modules.cache;
 * any other file, or one that changed since, compiles as Node would.
 * The require a cached module receives is the one Node gives it (resolve, cache, main, extensions).
 */
function cacheModules(argv = []) {
  const cacheFile = path.join(__dirname, '../dist/modules.cache');
  const writing = mode === 'write';
  if (mode === 'off') return;
  const command = ownCacheCommand(argv);
  const ownFile = command && path.join(OWN_CACHE_DIR, `${command}.modules`);
  const own = ownFile ? readModuleCache(ownFile, fs.statSync(__filename).uid) : undefined;
  // The build's cache is read on the first module the command's own cache lacks (often none).
  let buildCache;
  const buildEntries = () => (buildCache ??= { entries: writing ? undefined : readModuleCache(cacheFile) }).entries;
  if (!writing && !ownFile && !buildEntries()) return;
  const compiled = [];
  // The command's own cache is written again when this run compiled a module it did not hold (or held
  // for another version of the file): the new one keeps the old entries and adds this run's.
  let ownIncomplete = ownFile !== undefined && own === undefined;
  const original = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    const stat = writing || ownFile || buildEntries()?.has(filename) ? fs.statSync(filename) : undefined;
    const key = stat && `${stat.size}:${stat.mtimeMs}`;
    const ownEntry = own?.get(filename);
    const ownValid = ownEntry !== undefined && ownEntry.key === key;
    const buildEntry = ownValid ? undefined : buildEntries()?.get(filename);
    const entry = ownValid ? ownEntry : buildEntry !== undefined && buildEntry.key === key ? buildEntry : undefined;
    if (ownFile && !ownValid) ownIncomplete = true;
    if (!writing && !ownFile && !entry) return original.call(this, content, filename);
    const cachedData = writing || !entry ? undefined : entry.data();
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (ownValid && script.cachedDataRejected) ownIncomplete = true;
    if (writing || ownFile) compiled.push({ filename, key, script });
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
  else if (ownFile)
    onSuccessfulExit(() => {
      if (!ownIncomplete) return;
      const kept = [];
      for (const [filename, entry] of own ?? []) {
        if (compiled.some((c) => c.filename === filename)) continue;
        const data = entry.data();
        if (data) kept.push({ filename, key: entry.key, data });
      }
      const fresh = compiled.map((c) => ({ filename: c.filename, key: c.key, data: c.script.createCachedData() }));
      if (writeAtomically(ownFile, moduleCacheChunks([...kept, ...fresh]))) report(`wrote ${command}.modules (${kept.length + fresh.length} modules)`);
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
function readModuleCache(cacheFile, owner) {
  let fd;
  try {
    fd = fs.openSync(cacheFile, owner === undefined ? 'r' : fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  const read = (length, position) => {
    const buf = Buffer.allocUnsafe(length);
    return fs.readSync(fd, buf, 0, length, position) === length ? buf : undefined;
  };
  try {
    const st = fs.fstatSync(fd);
    // A command's own cache (written at run time, see the top of this file): its owner's, and only theirs to write.
    if (owner !== undefined && (!st.isFile() || st.uid !== owner || (st.mode & 0o022) !== 0)) return closed(fd);
    const size = st.size;
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

function moduleCacheChunks(files) {
  const header = Buffer.from(JSON.stringify({ identity: moduleCacheIdentity(), files: files.map((f) => [f.filename, f.key, f.data.length]) }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return [Buffer.from(MODULES_MAGIC, 'latin1'), length, header, ...files.map((f) => f.data)];
}

function writeModuleCache(cacheFile, compiled) {
  const files = compiled.map((c) => ({ filename: c.filename, key: c.key, data: c.script.createCachedData() }));
  replaceFile(cacheFile, moduleCacheChunks(files));
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
