import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Sandbox, safeReaddir, type Result } from './harness';
import type { ParsedJson } from './json';

/** The built mydocker-oci, run through its shebang as containerd and Podman run it. */
export const OCI_BIN = resolve(__dirname, '../../packages/oci-runtime/bin/mydocker-oci');

/** The Node runtime alone (what the native front hands commands over to). */
export const OCI_NODE_BIN = resolve(__dirname, '../../packages/oci-runtime/bin/mydocker-oci-node');

/**
 * A sandbox with a runtime state root, and the runtime run both ways on it — the front (bin/mydocker-oci)
 * and the Node path alone — for the tests that compare what each answers and leaves behind.
 */
export function frontAndNode(label: string) {
  const sandbox = new Sandbox(label, { defaultNetwork: 'none' });
  const stateRoot = join(sandbox.dir, 'state');
  const front = (args: string[]) => runtime(OCI_BIN, ['--root', stateRoot, ...args], sandbox.dir);
  const node = (args: string[]) => runtime(OCI_NODE_BIN, ['--root', stateRoot, ...args], sandbox.dir);
  /** The container's cgroup directories, as create recorded them. */
  const cgroupDirs = (id: string): string[] =>
    Object.values(JSON.parse(readFileSync(join(stateRoot, id, 'state.json'), 'utf8')).cgroupPaths as Record<string, string>);
  /** Deletes every container left under the state root (through Node), then the sandbox: what stayed behind. */
  const destroy = async () => {
    for (const id of safeReaddir(stateRoot)) await node(['delete', '--force', id]);
    return sandbox.destroy();
  };
  return { sandbox, stateRoot, front, node, cgroupDirs, destroy };
}

/**
 * Runs a runtime (mydocker-oci, runc, crun) to its exit. Output goes to files, not pipes: a container made
 * by `create` inherits the runtime's stdio and outlives it, so waiting for pipes to close would wait for it.
 */
export function runtime(bin: string, args: string[], dir: string, input?: string): Promise<Result> {
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const outFile = join(dir, `out-${tag}`);
  const errFile = join(dir, `err-${tag}`);
  const inFile = join(dir, `in-${tag}`);
  writeFileSync(inFile, input ?? '');
  const fds = [openSync(inFile, 'r'), openSync(outFile, 'w'), openSync(errFile, 'w')];
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { stdio: fds, env: { PATH: process.env.PATH } });
    for (const fd of fds) closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? 128 + (signal ? 9 : 0), stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') });
    });
  });
}

/** A rootfs from the host's static busybox: the same binary the default image is built from. */
export function busyboxRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  for (const c of [
    'sh',
    'true',
    'false',
    'cat',
    'ls',
    'echo',
    'sleep',
    'id',
    'grep',
    'hostname',
    'env',
    'ps',
    'mount',
    'umask',
    'wc',
    'head',
    'tail',
    'touch',
    'stat',
    'pwd',
    'ulimit',
    'mkdir',
    'test',
    'sort',
  ])
    symlinkSync('busybox', join(rootfs, 'bin', c));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  return rootfs;
}

/** runc spec's default config.json, without a terminal, running ARGS; `patch` edits it. */
export function writeBundle(bundle: string, rootfs: string, args: string[], patch: (spec: ParsedJson) => void = () => undefined): void {
  mkdirSync(bundle, { recursive: true });
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const spec: ParsedJson = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ambient: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: 'oci',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  patch(spec);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
}

/** An OCI image archive (one layer: the rootfs) named NAME, for `ctr image import` without a registry. */
export function ociArchive(rootfs: string, out: string, name: string): void {
  const dir = mkdtempSync(`${out}.d`);
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const blob = (buf: Buffer) => {
    const d = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(dir, 'blobs/sha256', d), buf);
    return { digest: `sha256:${d}`, size: buf.length };
  };
  const layer = blob(execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 30 }));
  const config = blob(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const annotations = { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() };
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations }] }),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  execFileSync('tar', ['-C', dir, '-cf', out, '.']);
  rmSync(dir, { recursive: true });
}
