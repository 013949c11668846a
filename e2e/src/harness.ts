import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The built CLI, exactly as a user runs it: executed through its shebang (not `node BIN`), so the tests
 * go through the launcher that keeps Node from reading mydocker's arguments as its own.
 */
export const MYDOCKER_BIN = resolve(__dirname, '../../packages/cli/bin/mydocker');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface SandboxOptions {
  /**
   * What `run` without `--net` joins. `bridge` is the product's default (a veth and an address per
   * container, about a tenth of a second each here); files whose tests are not about networks pass `none`,
   * the seed's loopback-only namespace they were written against, to keep the suite within its time budget.
   */
  defaultNetwork?: 'bridge' | 'none';
}

/**
 * A throw-away engine: its own root, run root and cgroup parent, so tests never touch a real
 * installation and can prove they left nothing behind.
 */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly runRoot: string;
  readonly cgroupParent: string;
  readonly tag: string;
  /** The engine config file of this sandbox, when it needs one (MYDOCKER_CONFIG). */
  readonly configFile?: string;

  constructor(label = 'e2e', options: SandboxOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), `mydocker-${label}-`));
    this.tag = this.dir.slice(-6).replace(/[^a-zA-Z0-9]/g, 'x');
    this.root = join(this.dir, 'root');
    this.runRoot = join(this.dir, 'run');
    this.cgroupParent = `mydocker-test-${this.tag}`;
    if (options.defaultNetwork === 'none') {
      this.configFile = join(this.dir, 'config.json');
      writeFileSync(this.configFile, JSON.stringify({ pluginOptions: { network: { defaultNetwork: 'none' } } }), { mode: 0o644 });
    }
  }

  get env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      MYDOCKER_ROOT: this.root,
      MYDOCKER_RUNROOT: this.runRoot,
      MYDOCKER_CGROUP_PARENT: this.cgroupParent,
      HOME: process.env.HOME ?? '/root',
    };
    if (this.configFile) env.MYDOCKER_CONFIG = this.configFile;
    return env;
  }

  /** Runs `mydocker ARGS...` to completion. */
  run(args: string[], options: RunOptions = {}): Promise<Result> {
    return runProcess(MYDOCKER_BIN, args, { env: { ...this.env, ...options.env }, cwd: options.cwd }, options);
  }

  /** Synchronous form, handy in afterAll. */
  runSync(args: string[], options: RunOptions = {}): Result {
    const r = spawnSync(MYDOCKER_BIN, args, {
      env: { ...this.env, ...options.env },
      input: options.input,
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 60_000,
    });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Like run, but fails the test with the output when the exit code is not 0. */
  async ok(args: string[], options: RunOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`mydocker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /**
   * What a container of this sandbox could leave on the host (mounts, cgroups, processes); empty when clean.
   * The root's networks are checked by destroy() (networkLeftovers): the default network legitimately stays
   * between containers until `system prune`.
   */
  leftovers(): string[] {
    const found: string[] = [];
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const line of mountinfo.split('\n')) if (line.includes(this.dir)) found.push(`mount: ${line.split(' ')[4]}`);
    for (const hierarchy of safeReaddir(CGROUP_ROOT)) {
      const path = join(CGROUP_ROOT, hierarchy, this.cgroupParent);
      if (existsSync(path)) found.push(`cgroup: ${path}`);
    }
    const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? '';
    for (const line of ps.split('\n')) {
      if (line.includes(this.dir) && !line.includes(' ps -eo')) found.push(`process: ${line.trim()}`);
    }
    return found;
  }

  /**
   * The root's iptables chains and rules and its bridges and veths. The network plugin names them after a
   * hash of the root (its chains `MYDOCKER-<hash>-…`, rule comments and interface aliases `mydocker:<hash>…`),
   * so this root's are told apart from other sandboxes' and a user's.
   */
  networkLeftovers(): string[] {
    const hash = createHash('sha256').update(this.root).digest('hex').slice(0, 8);
    const marks = [`MYDOCKER-${hash}-`, `mydocker:${hash}`];
    const found: string[] = [];
    for (const save of ['iptables-save', 'ip6tables-save']) {
      const out = spawnSync(save, [], { encoding: 'utf8' }).stdout ?? '';
      for (const line of out.split('\n')) if (marks.some((m) => line.includes(m))) found.push(`${save}: ${line}`);
    }
    for (const ifname of safeReaddir('/sys/class/net')) {
      let alias = '';
      try {
        alias = readFileSync(join('/sys/class/net', ifname, 'ifalias'), 'utf8').trim();
      } catch {
        continue; // gone between the listing and the read
      }
      if (alias.startsWith(`mydocker:${hash}:`)) found.push(`interface: ${ifname} (${alias})`);
    }
    return found;
  }

  /** Force-removes every container, then checks nothing is left and deletes the roots. */
  async destroy(): Promise<string[]> {
    const ids = (await this.run(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await this.run(['rm', '-f', '-v', ...ids]);
    const networks = await this.run(['network', 'ls', '--format', '{{.Name}}']);
    if (networks.code === 0) {
      const names = networks.stdout.split('\n').filter(Boolean);
      // bridge, host and none are pre-defined (not removable).
      for (const name of names.filter((n) => !['bridge', 'host', 'none'].includes(n))) await this.run(['network', 'rm', name]);
      // The default network (made by the first run without --net) is not removable by name, as in
      // Docker; `system prune` removes it once unused, with its bridge and the root's iptables chains.
      if (names.includes('bridge')) await this.run(['system', 'prune', '--force']);
    }
    const left = await waitFor(
      () => [...this.leftovers(), ...this.networkLeftovers()],
      (l) => l.length === 0,
      5000,
    );
    rmSync(this.dir, { recursive: true, force: true });
    return left;
  }
}

export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Polls `get` until `done` holds or the time is up; returns the last value. */
export async function waitFor<T>(get: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await get();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await get();
  }
  return value;
}

export function runProcess(file: string, args: string[], spawnOptions: SpawnOptions, options: RunOptions = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
    // A child that ends (or closes its stdin) before this write lands makes it fail with EPIPE: not an error of the test.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs a host command (ip, iptables, ...) synchronously. */
/** The host has IPv6 addresses: then `-p 8080:80` also publishes on [::]:8080, as Docker's does. */
export function hostHasIpv6(): boolean {
  return existsSync('/proc/net/if_inet6') && readFileSync('/proc/net/if_inet6', 'utf8').trim() !== '';
}

export function host(cmd: string, args: string[]): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** GET over the loopback with Node (the host's static busybox wget crashes resolving names); '' on any failure. */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (d) => (body += d))
        .on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(''));
  });
}
