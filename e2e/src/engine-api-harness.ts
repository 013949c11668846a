import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { MYDOCKER_BIN, runProcess, waitFor, type Result, type Sandbox } from './harness';

/**
 * `mydocker system service` on a throw-away socket with the sandbox's roots, and the real clients pointed
 * at it (Debian's docker CLI with DOCKER_HOST; its config kept in the sandbox).
 */
export class ApiService {
  readonly socket: string;
  child?: ChildProcess;
  log = '';

  constructor(readonly sandbox: Sandbox) {
    this.socket = join(sandbox.dir, 'docker.sock');
  }

  get dockerEnv(): NodeJS.ProcessEnv {
    const config = join(this.sandbox.dir, 'docker-config');
    mkdirSync(config, { recursive: true });
    return { PATH: process.env.PATH, HOME: this.sandbox.dir, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: config };
  }

  /** `env`: more of the service's environment (e.g. DOCKER_CONFIG, where `/auth` keeps credentials). */
  async start(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<void> {
    const child = spawn(MYDOCKER_BIN, ['system', 'service', '--socket', `unix://${this.socket}`, '--time', '0', ...extra], {
      env: { ...this.sandbox.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    const up = await waitFor(
      () => this.ping().catch(() => 0),
      (s) => s === 200,
      30_000,
    );
    if (up !== 200) throw new Error(`the service did not come up: ${this.log}`);
  }

  /**
   * SIGTERM and wait for the exit (0, or the signal itself when proper-lockfile's signal-exit, loaded by
   * a command, re-raises it after our listener); the socket file goes with it.
   */
  async stop(): Promise<number | string | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? child?.signalCode ?? null;
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    child.kill('SIGTERM');
    return exited;
  }

  ping(): Promise<number> {
    return this.http('GET', '/_ping').then((r) => r.status);
  }

  /** One raw HTTP request over the socket (for what no client sends: bad bodies, odd paths). */
  http(
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socket,
          method,
          path,
          headers: {
            Host: 'docker',
            ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (d) => (text += d))
            .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  docker(args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<Result> {
    return runProcess('/usr/bin/docker', args, { env: this.dockerEnv, cwd: options.cwd }, { timeoutMs: options.timeoutMs ?? 90_000, input: options.input });
  }

  async dockerOk(args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
    const r = await this.docker(args, options);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nservice: ${this.log}`);
    return r.stdout;
  }

  socketExists(): boolean {
    return existsSync(this.socket);
  }
}
