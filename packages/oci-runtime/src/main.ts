import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type FlagSpec } from './args';
import { exec, kill, list, pause, ps, statusFor, update } from './commands';
import { defaultSpec, features, SPEC_VERSION } from './defaults';
import { OciError } from './errors';
import { create, remove, start } from './lifecycle';
import { RuntimeLog } from './log';
import { stateJson, StateDir } from './state';

const GLOBAL: FlagSpec[] = [
  { names: ['root'], value: true },
  { names: ['log'], value: true },
  { names: ['log-format'], value: true },
  { names: ['debug'], value: false },
  { names: ['systemd-cgroup'], value: false },
  { names: ['criu'], value: true },
  { names: ['rootless'], value: true },
  { names: ['version', 'v'], value: false },
  { names: ['help', 'h'], value: false },
];

const COMMAND_FLAGS: Record<string, FlagSpec[]> = {
  create: [
    { names: ['bundle', 'b'], value: true },
    { names: ['pid-file'], value: true },
    { names: ['console-socket'], value: true },
    { names: ['no-pivot'], value: false },
    { names: ['no-new-keyring'], value: false },
    { names: ['preserve-fds'], value: true },
  ],
  run: [
    { names: ['bundle', 'b'], value: true },
    { names: ['pid-file'], value: true },
    { names: ['console-socket'], value: true },
    { names: ['no-pivot'], value: false },
    { names: ['no-new-keyring'], value: false },
    { names: ['detach', 'd'], value: false },
    { names: ['preserve-fds'], value: true },
    { names: ['keep'], value: false },
  ],
  start: [],
  state: [],
  kill: [{ names: ['all', 'a'], value: false }],
  delete: [{ names: ['force', 'f'], value: false }],
  exec: [
    { names: ['process', 'p'], value: true },
    { names: ['detach', 'd'], value: false },
    { names: ['pid-file'], value: true },
    { names: ['tty', 't'], value: false },
    { names: ['console-socket'], value: true },
    { names: ['cwd'], value: true },
    { names: ['env', 'e'], value: true, multiple: true },
    { names: ['user', 'u'], value: true },
    { names: ['cap', 'c'], value: true, multiple: true },
    { names: ['no-new-privs'], value: false },
    { names: ['preserve-fds'], value: true },
    { names: ['process-label'], value: true },
    { names: ['apparmor'], value: true },
  ],
  ps: [{ names: ['format', 'f'], value: true }],
  list: [
    { names: ['format', 'f'], value: true },
    { names: ['quiet', 'q'], value: false },
  ],
  pause: [],
  resume: [],
  update: [
    { names: ['resources', 'r'], value: true },
    { names: ['pids-limit'], value: true },
    { names: ['memory'], value: true },
  ],
  features: [],
  spec: [
    { names: ['bundle', 'b'], value: true },
    { names: ['rootless'], value: false },
  ],
};

const USAGE = `Usage: mydocker-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [FLAGS] ID
Commands: create, start, run, state, kill, delete, exec, ps, list, pause, resume, update, features, spec
(runc's command line; see the README of @mydocker/oci-runtime).
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return `mydocker-oci version ${pkg.version}\nspec: ${SPEC_VERSION}\n`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function main(argv: string[]): Promise<number> {
  let log = new RuntimeLog(undefined, 'text', false);
  try {
    const g = parseArgs(argv, GLOBAL);
    const format = str(g.flags['log-format']) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new OciError(`--log-format must be text or json, not "${format}".`);
    log = new RuntimeLog(str(g.flags.log), format, !!g.flags.debug);
    if (g.flags.version) {
      process.stdout.write(version());
      return 0;
    }
    const [command, ...rest] = g.rest;
    if (g.flags.help || !command) {
      process.stdout.write(USAGE);
      return command || g.flags.help ? 0 : 1;
    }
    if (g.flags['systemd-cgroup'])
      throw new OciError('--systemd-cgroup is not supported: mydocker-oci manages cgroupfs paths itself (use cgroupfs as the cgroup manager).');
    if (g.flags.rootless === 'true') throw new OciError('--rootless is not supported: mydocker-oci runs as root.');
    const specs = COMMAND_FLAGS[command];
    if (!specs) throw new OciError(`The command "${command}" is not known (see mydocker-oci --help).`);
    const c = parseArgs(rest, specs, command === 'exec' || command === 'kill');
    const f = c.flags;
    const dirs = new StateDir(str(g.flags.root) ?? '/run/mydocker-oci');
    const id = c.rest[0];
    log.debug(`${command} ${c.rest.join(' ')}`);
    const out = (s: string) => process.stdout.write(s);
    switch (command) {
      case 'create': {
        const { helper } = await create(dirs, log, {
          id: dirs.checkId(id),
          bundle: str(f.bundle) ?? '.',
          pidFile: str(f['pid-file']),
          consoleSocket: str(f['console-socket']),
          noPivot: !!f['no-pivot'],
        });
        helper.release();
        await helper.exited;
        return 0;
      }
      case 'run': {
        const { helper, state } = await create(dirs, log, {
          id: dirs.checkId(id),
          bundle: str(f.bundle) ?? '.',
          pidFile: str(f['pid-file']),
          consoleSocket: str(f['console-socket']),
          noPivot: !!f['no-pivot'],
        });
        try {
          start(dirs, log, state.id);
        } catch (err) {
          helper.release();
          await remove(dirs, log, state.id, true);
          throw err;
        }
        if (f.detach) {
          helper.release();
          await helper.exited;
          return 0;
        }
        // As runc run: the signals we get go to the container, whose end ends us.
        const forward = (sig: NodeJS.Signals) => () => {
          try {
            process.kill(state.pid, sig);
          } catch {
            /* already gone */
          }
        };
        for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, forward(sig));
        helper.send('wait');
        const line = await helper.next();
        const m = line && /^exit (\d+)$/.exec(line);
        const code = m ? Number(m[1]) : ((await helper.exited).code ?? 255);
        if (!f.keep) await remove(dirs, log, state.id, true);
        return code;
      }
      case 'start':
        start(dirs, log, dirs.checkId(id));
        return 0;
      case 'state': {
        const s = dirs.load(dirs.checkId(id));
        out(`${JSON.stringify(stateJson(s, statusFor(dirs, s)), null, 2)}\n`);
        return 0;
      }
      case 'kill':
        kill(dirs, dirs.checkId(id), c.rest[1], !!f.all);
        return 0;
      case 'delete':
        await remove(dirs, log, dirs.checkId(id), !!f.force);
        return 0;
      case 'exec':
        return await exec(dirs, log, {
          id: dirs.checkId(id),
          processFile: str(f.process),
          args: c.rest.slice(1),
          detach: !!f.detach,
          pidFile: str(f['pid-file']),
          tty: !!f.tty,
          consoleSocket: str(f['console-socket']),
          cwd: str(f.cwd),
          env: (f.env as string[] | undefined) ?? [],
          user: str(f.user),
          caps: (f.cap as string[] | undefined) ?? [],
          noNewPrivs: !!f['no-new-privs'],
        });
      case 'ps':
        out(ps(dirs, dirs.checkId(id), str(f.format) ?? 'table', c.rest.slice(1)));
        return 0;
      case 'list':
        out(list(dirs, str(f.format) ?? 'table', !!f.quiet));
        return 0;
      case 'pause':
      case 'resume':
        await pause(dirs, dirs.checkId(id), command === 'resume');
        return 0;
      case 'update':
        update(dirs, log, dirs.checkId(id), str(f.resources), { pidsLimit: str(f['pids-limit']), memory: str(f.memory) });
        return 0;
      case 'features':
        out(`${JSON.stringify(features(), null, 2)}\n`);
        return 0;
      case 'spec': {
        if (f.rootless) throw new OciError('spec --rootless is not supported: mydocker-oci runs as root.');
        const file = join(str(f.bundle) ?? '.', 'config.json');
        if (existsSync(file)) throw new OciError(`${file} already exists: remove it first.`);
        writeFileSync(file, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
        return 0;
      }
    }
    return 1;
  } catch (err) {
    if (err instanceof OciError) {
      log.error(err.message);
      return err.exitCode;
    }
    const e = err as Error & { exitCode?: number };
    log.error(e.message.replace(/\.?$/, '.'));
    return 1;
  }
}
