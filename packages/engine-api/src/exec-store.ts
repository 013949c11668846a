import { randomBytes } from 'node:crypto';

/** What `POST /containers/{id}/exec` asked for (Docker's ExecConfig, the parts the engine runs). */
export interface ExecConfig {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Privileged: boolean;
  /** [height, width] for the pty before the first resize (API 1.42's ConsoleSize), or undefined. */
  ConsoleSize?: [number, number];
}

export interface ExecInstance {
  ID: string;
  ContainerID: string;
  config: ExecConfig;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  started: boolean;
  /** Signals the end of the exec's process (for tests and a later inspect). */
  done?: Promise<void>;
  /** Resolves once `start` ran (a resize waits for it, as Docker's daemon does). */
  whenStarted: Promise<void>;
  markStarted: () => void;
  /** Sets the pty's size of a started Tty exec (a line to its `mydocker exec --resize-fd`). */
  resize?: (height: number, width: number) => void;
}

/**
 * Exec instances live in the service (as in Docker's daemon, they are not kept across its restarts); an
 * ended one is forgotten after an hour, and at most 1,000 are kept, oldest ended first.
 */
export class ExecStore {
  private readonly byId = new Map<string, ExecInstance & { endedAt?: number }>();

  add(containerId: string, config: ExecConfig): ExecInstance {
    this.sweep();
    let markStarted = () => undefined as void;
    const whenStarted = new Promise<void>((resolve) => (markStarted = resolve));
    const exec: ExecInstance = {
      ID: randomBytes(32).toString('hex'),
      ContainerID: containerId,
      config,
      Running: false,
      ExitCode: null,
      Pid: 0,
      started: false,
      whenStarted,
      markStarted,
    };
    this.byId.set(exec.ID, exec);
    return exec;
  }

  get(id: string): ExecInstance | undefined {
    return this.byId.get(id) ?? [...this.byId.values()].find((e) => id.length >= 12 && e.ID.startsWith(id));
  }

  ended(exec: ExecInstance, code: number): void {
    exec.Running = false;
    exec.ExitCode = code;
    (exec as ExecInstance & { endedAt?: number }).endedAt = Date.now();
  }

  private sweep(): void {
    const hourAgo = Date.now() - 3_600_000;
    for (const [id, e] of this.byId) if (e.endedAt !== undefined && e.endedAt < hourAgo) this.byId.delete(id);
    const ended = [...this.byId.values()].filter((e) => e.endedAt !== undefined).sort((a, b) => a.endedAt! - b.endedAt!);
    while (this.byId.size >= 1000 && ended.length) this.byId.delete(ended.shift()!.ID);
  }
}
