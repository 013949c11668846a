import type { Socket } from 'node:net';
import { MydockerError, type ContainerRecord, type LifecycleBus } from '@mydocker/core';
import { connectAttachSocket } from './attach-socket';

type Waiter = (socket: Promise<Socket>) => void;

/**
 * Connections to the monitors' attach sockets. A client that attaches before `start` (docker run does:
 * create, attach, wait, start) waits here; the service's tap on `created` — after the spawn, before the
 * process runs — connects it, so it misses no output.
 */
export class AttachBroker {
  private readonly waiting = new Map<string, Set<Waiter>>();

  constructor(private readonly bus: LifecycleBus) {
    bus.hooks.created.tapPromise({ name: 'engine-api', stage: 1000 }, async (ctx) => {
      const waiters = this.waiting.get(ctx.record.id);
      if (!waiters) return;
      this.waiting.delete(ctx.record.id);
      // Connected before "go": the monitor accepts queued clients before it reads any output.
      for (const w of waiters) {
        const socket = this.connect(ctx.record.id);
        socket.catch(() => undefined);
        w(socket);
        await socket.catch(() => undefined);
      }
    });
  }

  private path(id: string): string {
    const runtime = this.bus.need('runtime', 'Attaching to a container');
    if (!runtime.attachSocket) throw new MydockerError('The installed runtime has no attach socket.');
    return runtime.attachSocket(id);
  }

  connect(id: string): Promise<Socket> {
    return connectAttachSocket(this.path(id));
  }

  /** A socket once the container's next start has spawned it; `cancel` forgets the wait. */
  whenStarted(record: ContainerRecord): { socket: Promise<Socket>; cancel: () => void } {
    let waiter!: Waiter;
    const socket = new Promise<Socket>((resolve, reject) => {
      waiter = (s) => s.then(resolve, reject);
    });
    const set = this.waiting.get(record.id) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiting.set(record.id, set);
    const cancel = () => {
      set.delete(waiter);
      if (set.size === 0 && this.waiting.get(record.id) === set) this.waiting.delete(record.id);
    };
    return { socket, cancel };
  }
}
